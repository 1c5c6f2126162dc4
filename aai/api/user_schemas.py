"""marshmallow schemas of the user-facing API (`/me`, registration, `/utils`).

Input schemas (`...In`, `...Args`) ignore unknown fields (`aai.api.schemas.Body`) and give
every failure a message that names what is wrong; `PORTAL_FIELDS` says which failures the
portal can show under a form control (see `aai.api.arguments`). Output schemas (`...Out`) list
the fields the portal reads.
"""

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from aai.access.bundles import BUNDLES
from aai.access.roles import GROUP_ID_PATTERN
from aai.accounts.validators import (
    EMAIL_MAX,
    REASON_MAX,
    name_validator,
    normalise_email,
    validate_email,
    validate_full_name,
    validate_password,
    validate_username,
)
from aai.api.schemas import Body
from aai.errors import FieldErrorSchema

TOKEN_MAX = 8192  # session and reCAPTCHA tokens: generous, but bounded


def text(label: str, *, required: bool = True, max_length: int | None = None, **kwargs):
    """A string field whose messages name the field (`label`)."""
    validators = list(kwargs.pop("validators", []))
    if max_length is not None:
        validators.append(
            validate.Length(
                max=max_length, error=f"{label} must be {max_length} characters or less."
            )
        )
    messages: dict[str, str | list | dict] = {
        "required": f"{label} is required.",
        "null": f"{label} is required." if required else f"{label} may not be null.",
        "invalid": f"{label} must be a string.",
    }
    return fields.String(required=required, validate=validators, error_messages=messages, **kwargs)


def optional_text(label: str, max_length: int, **kwargs):
    return text(label, required=False, allow_none=True, max_length=max_length, **kwargs)


def email_field(label: str = "Email"):
    return text(label, max_length=EMAIL_MAX, validators=[validate_email])


def value_of(attribute: str):
    """Dump an enum attribute by its API value (`approved`, `galaxy`)."""
    return lambda row: getattr(row, attribute).value


class OutcomeOut(Schema):
    message = fields.String(required=True)


# --- Auth0 user (20 §4.9) ----------------------------------------------------------------------


class Auth0IdentityOut(Schema):
    connection = fields.String()
    provider = fields.String()
    user_id = fields.String()
    isSocial = fields.Boolean()  # noqa: N815 - Auth0's own spelling


class Auth0UserOut(Schema):
    """A user as Auth0 returns it (the fields the original exposes)."""

    user_id = fields.String(required=True)
    email = fields.String(required=True)
    email_verified = fields.Boolean()
    username = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    given_name = fields.String(allow_none=True)
    family_name = fields.String(allow_none=True)
    nickname = fields.String(allow_none=True)
    picture = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    identities = fields.List(fields.Nested(Auth0IdentityOut))
    blocked = fields.Boolean(allow_none=True)
    user_metadata = fields.Dict(allow_none=True)
    app_metadata = fields.Dict(allow_none=True)
    last_ip = fields.String(allow_none=True)
    last_login = fields.String(allow_none=True)
    logins_count = fields.Integer(allow_none=True)


# --- registration ------------------------------------------------------------------------------


class BundleIn(Body):
    bundle_id = text(
        "Bundle",
        validators=[validate.OneOf(list(BUNDLES), error="Unknown bundle: {input}.")],
    )
    reason = optional_text("Bundle reason", REASON_MAX)


class RegistrationIn(Body):
    """Fields of both sign-up forms. Names are trimmed; the email's domain is lower-cased."""

    # Only these reach the portal as field errors: the registration trap (10 §4).
    PORTAL_FIELDS = {"username": "username", "email": "email"}

    first_name = text("First name", validators=[name_validator("First name")])
    last_name = text("Last name", validators=[name_validator("Last name")])
    email = email_field()
    username = text("Username", validators=[validate_username])
    password = text("Password", validators=[validate_password])

    @validates_schema
    def _full_name(self, data, **kwargs):
        if "first_name" in data and "last_name" in data:
            validate_full_name(data["first_name"], data["last_name"])

    @post_load
    def _normalise(self, data, **kwargs):
        data["first_name"] = data["first_name"].strip()
        data["last_name"] = data["last_name"].strip()
        data["email"] = normalise_email(data["email"])
        return data


class BiocommonsRegistrationIn(RegistrationIn):
    """`bundles` is the portal's form; `bundle` + `request_reason` the original's."""

    recaptcha_token = optional_text("reCAPTCHA token", TOKEN_MAX)
    bundles = fields.List(
        fields.Nested(BundleIn),
        load_default=list,
        validate=validate.Length(max=len(BUNDLES), error="Too many bundles."),
        error_messages={"invalid": "Bundles must be a list."},
    )
    bundle = optional_text(
        "Bundle", 64, validators=[validate.OneOf(list(BUNDLES), error="Unknown bundle: {input}.")]
    )
    request_reason = optional_text("Request reason", REASON_MAX)

    @post_load
    def _merge_legacy_bundle(self, data, **kwargs):
        choices = [
            {"bundle_id": item["bundle_id"], "reason": _stripped(item.get("reason"))}
            for item in data["bundles"]
        ]
        legacy = data.pop("bundle", None)
        reason = _stripped(data.pop("request_reason", None))
        if legacy and legacy not in {choice["bundle_id"] for choice in choices}:
            choices.append({"bundle_id": legacy, "reason": reason})
        if len({choice["bundle_id"] for choice in choices}) != len(choices):
            raise ValidationError("Each bundle may be chosen only once.", "bundles")
        data["bundles"] = choices
        return data


class SbpRegistrationIn(RegistrationIn):
    request_reason = text("Request reason", max_length=REASON_MAX)


def _stripped(value: str | None) -> str | None:
    return value.strip() or None if value else None


class RegistrationOut(Schema):
    message = fields.String(required=True)
    user = fields.Nested(Auth0UserOut, required=True)


# --- /me: memberships --------------------------------------------------------------------------


class OwnPlatformMembershipOut(Schema):
    platform_id = fields.Function(value_of("platform_id"), required=True)
    approval_status = fields.Function(value_of("approval_status"), required=True)


class OwnGroupMembershipOut(Schema):
    group_id = fields.String(required=True)
    approval_status = fields.Function(value_of("approval_status"), required=True)
    group_name = fields.String(required=True)


class AllPendingOut(Schema):
    platforms = fields.List(fields.Nested(OwnPlatformMembershipOut), required=True)
    groups = fields.List(fields.Nested(OwnGroupMembershipOut), required=True)


def group_id_field(required: bool = True):
    return text(
        "Group id",
        required=required,
        validators=[
            validate.Length(max=255, error="Group id must be 255 characters or less."),
            validate.Regexp(
                GROUP_ID_PATTERN, error="Group id must look like biocommons/group/<name>."
            ),
        ],
    )


class GroupRequestItemIn(Body):
    group_id = group_id_field()
    request_reason = optional_text("Request reason", REASON_MAX, load_default=None)


class GroupRequestIn(Body):
    """The portal's `{groups: [...]}` or the original's single `{group_id, request_reason}`."""

    groups = fields.List(
        fields.Nested(GroupRequestItemIn),
        validate=validate.Length(min=1, max=20, error="Request between 1 and 20 groups."),
        error_messages={"invalid": "Groups must be a list."},
    )
    group_id = group_id_field(required=False)
    request_reason = text("Request reason", required=False, max_length=REASON_MAX)

    @validates_schema
    def _one_form(self, data, **kwargs):
        if ("groups" in data) == ("group_id" in data or "request_reason" in data):
            raise ValidationError("Send either groups or a group_id with its request_reason.")
        if "group_id" in data and "request_reason" not in data:
            raise ValidationError("Request reason is required.", "request_reason")
        if "request_reason" in data and "group_id" not in data:
            raise ValidationError("Group id is required.", "group_id")
        ids = [item["group_id"] for item in data.get("groups", [])]
        if len(set(ids)) != len(ids):
            raise ValidationError("Each group may be requested only once.", "groups")

    @post_load
    def _items(self, data, **kwargs):
        """[(group id, reason or None)], and whether the request used the bulk form."""
        if "groups" in data:
            items = [
                (item["group_id"], _stripped(item["request_reason"])) for item in data["groups"]
            ]
            return {"items": items, "bulk": True}
        return {"items": [(data["group_id"], _stripped(data["request_reason"]))], "bulk": False}


class GroupRequestResultOut(Schema):
    group_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "requested or re-requested"})
    message = fields.String(required=True)


class GroupRequestOut(Schema):
    """`results` answers the portal's bulk form; `message` the original's single form."""

    results = fields.List(fields.Nested(GroupRequestResultOut))
    message = fields.String()


# --- /me: profile ------------------------------------------------------------------------------


class ProfilePlatformOut(Schema):
    platform_id = fields.Function(value_of("platform_id"), required=True)
    platform_name = fields.String(required=True)
    approval_status = fields.Function(value_of("approval_status"), required=True)


class ProfileGroupOut(Schema):
    group_id = fields.String(required=True)
    group_name = fields.String(required=True)
    group_short_name = fields.String(required=True)
    approval_status = fields.Function(value_of("approval_status"), required=True)


class ProfileOut(Schema):
    """The portal's `UserProfileData` (10 §3.1)."""

    user_id = fields.String(required=True)
    name = fields.String(required=True)
    given_name = fields.String(allow_none=True)
    family_name = fields.String(allow_none=True)
    email = fields.String(required=True)
    email_verified = fields.Boolean(required=True)
    username = fields.String(required=True)
    picture = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    last_login = fields.String(required=True, allow_none=True)
    updated_at = fields.String(required=True)
    show_welcome_message = fields.Boolean(required=True, allow_none=True)
    platform_memberships = fields.List(fields.Nested(ProfilePlatformOut), required=True)
    group_memberships = fields.List(fields.Nested(ProfileGroupOut), required=True)


class OwnUsernameUpdateIn(Body):
    PORTAL_FIELDS = {"username": "username"}

    username = text("Username", validators=[validate_username])


class NameUpdateIn(Body):
    PORTAL_FIELDS: dict = {}

    first_name = text("First name", validators=[name_validator("First name")])
    last_name = text("Last name", validators=[name_validator("Last name")])

    @validates_schema
    def _full_name(self, data, **kwargs):
        if "first_name" in data and "last_name" in data:
            validate_full_name(data["first_name"], data["last_name"])

    @post_load
    def _trim(self, data, **kwargs):
        return {key: value.strip() for key, value in data.items()}


class OwnEmailUpdateIn(Body):
    PORTAL_FIELDS = {"email": "email"}

    email = email_field()

    @post_load
    def _normalise(self, data, **kwargs):
        return {"email": normalise_email(data["email"])}


class EmailContinueIn(Body):
    PORTAL_FIELDS: dict = {}

    otp = text(
        "Code",
        validators=[validate.Length(min=1, max=64, error="Code must be 1 to 64 characters.")],
    )

    @post_load
    def _trim(self, data, **kwargs):
        return {"otp": data["otp"].strip()}


class PasswordUpdateIn(Body):
    # The portal's control for the current password is `currentPassword` (10 §4); errors about
    # the new password go to `message` only.
    PORTAL_FIELDS = {"current_password": "currentPassword"}

    current_password = text(
        "Current password",
        validators=[
            validate.Length(min=1, max=256, error="Current password must be 1 to 256 characters.")
        ],
    )
    new_password = text("New password", validators=[validate_password])

    @validates_schema
    def _different(self, data, **kwargs):
        if data.get("new_password") and data.get("new_password") == data.get("current_password"):
            raise ValidationError(
                "New password must be different from the current password", "new_password"
            )


class EmptyIn(Body):
    """No fields: `{}` (or no body at all)."""


# --- /me: Auth0-Action endpoints ---------------------------------------------------------------


class MigrationPasswordIn(Body):
    session_token = text("Session token", max_length=TOKEN_MAX)
    client_id = text("Client id", max_length=256)


class VerificationResendIn(Body):
    session_token = text(
        "Session token",
        validators=[validate.Length(min=1, max=TOKEN_MAX, error="Session token is required.")],
    )
    recaptcha_token = text(
        "reCAPTCHA token",
        validators=[validate.Length(min=1, max=TOKEN_MAX, error="reCAPTCHA token is required.")],
    )


class PasswordChangedArgs(Body):
    state = text("State", max_length=2048)
    session_token = text("Session token", max_length=TOKEN_MAX)


# --- /utils ------------------------------------------------------------------------------------


class UsernameArgs(Body):
    username = text(
        "Username",
        validators=[validate.Length(min=3, max=128, error="Username must be 3 to 128 characters.")],
    )


class EmailArgs(Body):
    email = text("Email", max_length=EMAIL_MAX)


class RegistrationInfoArgs(Body):
    user_email = text("Email", max_length=EMAIL_MAX)


class AvailabilityOut(Schema):
    available = fields.Boolean(required=True)
    field_errors = fields.List(fields.Nested(FieldErrorSchema), required=True)


class RegistrationInfoOut(Schema):
    app = fields.String(
        required=True, validate=validate.OneOf(["biocommons", "galaxy", "bpa", "sbp"])
    )


class WelcomeEmailIn(Body):
    email = text("Email", max_length=EMAIL_MAX)


class InstitutionOut(Schema):
    is_australian_research_institution = fields.Boolean(required=True)
