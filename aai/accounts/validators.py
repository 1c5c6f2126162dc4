"""Input rules shared by the portal and aai (20 §4, 10-portal-contract §7), with exact messages.

Each validator raises marshmallow's ValidationError with one message: the first rule that fails,
in the order of the original (minimum length, maximum length, pattern).
"""

import re

import email_validator
from marshmallow import ValidationError

USERNAME_PATTERN = re.compile(r"[a-z0-9][-_a-z0-9]+")
# The OWASP special characters (the list starts with a space); not a secret.
PASSWORD_SPECIALS = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"  # noqa: S105
PASSWORD_MESSAGE = (
    "Password must contain at least one uppercase letter, one lowercase letter, one number, "
    f"and one special character. Allowed special characters: {PASSWORD_SPECIALS}"
)
# The portal's email rule (10 §7), applied to the ASCII form; a dotted domain is required, as
# the original's email-validator does.
EMAIL_PATTERN = re.compile(
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+",
    re.IGNORECASE,
)
NAME_MAX = 150
FULL_NAME_MAX = 300
EMAIL_MAX = 320
REASON_MAX = 255


def validate_username(value: str) -> None:
    if len(value) < 3:
        raise ValidationError("Username must be at least 3 characters.")
    if len(value) > 128:
        raise ValidationError("Username must be 128 characters or less.")
    if not USERNAME_PATTERN.fullmatch(value):
        raise ValidationError(
            "Username must only contain lowercase letters, numbers, hyphens and underscores, "
            "and must not start with a hyphen or underscore."
        )


def validate_password(value: str) -> None:
    if len(value) < 8:
        raise ValidationError("Password must be at least 8 characters.")
    if len(value) > 72:
        raise ValidationError("Password must be 72 characters or less.")
    if not _password_has_every_kind(value):
        raise ValidationError(PASSWORD_MESSAGE)


def _password_has_every_kind(value: str) -> bool:
    # A newline fails the original's `.{8,}` pattern, so it fails here too.
    if "\n" in value:
        return False
    return (
        re.search(r"[A-Z]", value) is not None
        and re.search(r"[a-z]", value) is not None
        and re.search(r"[0-9]", value) is not None
        and any(character in PASSWORD_SPECIALS for character in value)
    )


def name_validator(label: str):
    """Validator for a first or last name (1..150 characters once trimmed)."""

    def validate(value: str) -> None:
        if not value.strip():
            raise ValidationError(f"{label} must be at least 1 character.")
        if len(value.strip()) > NAME_MAX:
            raise ValidationError(f"{label} must be {NAME_MAX} characters or less.")

    return validate


def validate_full_name(first: str, last: str) -> None:
    """The portal's combined rule: "first last" (trimmed) is at most 300 characters."""
    full = " ".join(part for part in (first.strip(), last.strip()) if part)
    if len(full) > FULL_NAME_MAX:
        raise ValidationError(f"Full name must be {FULL_NAME_MAX} characters or less.")


def normalise_email(value: str) -> str:
    """The address with its domain lower-cased, or ValidationError with the original's texts.

    Like the original (email-validator without SMTPUTF8), the domain must already be ASCII:
    the portal punycodes it before sending.
    """
    value = value.strip()
    if not value:
        raise ValidationError("Email is required.")
    local, at, domain = value.partition("@")
    if not at:
        raise ValidationError("An email address must have an @-sign.")
    if not domain.isascii():
        raise ValidationError("Email domain must be ASCII and already transcoded.")
    if len(local) > 64:
        raise ValidationError("Email local part must be 64 characters or less.")
    if len(domain) > 254:
        raise ValidationError("Email domain must be 254 characters or less.")
    if not local.isascii() or not EMAIL_PATTERN.fullmatch(value) or not _syntax_valid(value):
        raise ValidationError("Please enter a valid email address.")
    return f"{local}@{domain.lower()}"


def _syntax_valid(value: str) -> bool:
    """email-validator's syntax check, as the original's pydantic EmailStr ran it: refuses what
    the portal's pattern lets through but Auth0 or the mail service will not take (`a..b@`,
    `.a@`, `a.@`, an all-numeric top-level domain, special-use names such as `.local`)."""
    try:
        email_validator.validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except email_validator.EmailNotValidError:
        return False
    return True


def validate_email(value: str) -> None:
    normalise_email(value)
