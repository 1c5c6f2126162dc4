"""marshmallow schemas of `/admin` and `/biocommons-admin`: query args, bodies and responses."""

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
)

from aai.access.roles import GROUP_ID_PATTERN
from aai.accounts.validators import normalise_email, validate_username
from aai.admin_lists.queries import GROUP_FILTERS
from aai.api.schemas import Body
from aai.api.user_schemas import Auth0IdentityOut
from aai.models import ApprovalStatusEnum, PlatformEnum

PAGE_MESSAGE = "Invalid page params: page should be >= 1, per_page should be >= 1 and <= 100"
MAX_PER_PAGE = 100
REVOCATION_REASON_MAX = 1024  # the column's size (revocation_reason varchar(1024))
REJECTION_REASON_MAX = 255
NAME_MAX = 255
ROLE_PATTERN = r"^biocommons/role/[a-z0-9_]+/[a-z0-9_]+$"


def _status(description: str) -> fields.Enum:
    return fields.Enum(ApprovalStatusEnum, by_value=True, metadata={"description": description})


# --- query arguments -------------------------------------------------------------------------


class FilterArgs(Body):
    """The user filters of 30 §2.1."""

    approval_status = _status("Status on any platform or group you manage.")
    platform = fields.Enum(PlatformEnum, by_value=True)
    platform_approval_status = _status("Status of a platform membership.")
    group = fields.String(validate=validate.OneOf(sorted(GROUP_FILTERS.values())))
    group_approval_status = _status("Status of a group membership.")
    email_verified = fields.Boolean()
    filter_by = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "An id from GET /admin/filters (or sbp_workflow_execution)."},
    )
    search = fields.String(
        validate=validate.Length(max=320),
        metadata={"description": "Part of a username or email address (case-insensitive)."},
    )


def _is_int_in_range(value, low: int, high: int | None) -> bool:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return False
    return number >= low and (high is None or number <= high)


class PageArgs(Body):
    page = fields.Integer(load_default=1, metadata={"minimum": 1})
    per_page = fields.Integer(
        load_default=MAX_PER_PAGE, metadata={"minimum": 1, "maximum": MAX_PER_PAGE}
    )

    @pre_load
    def check_page_params(self, data, **_kwargs):
        """One plain message for any bad page parameter, as the original."""
        bad_page = "page" in data and not _is_int_in_range(data["page"], 1, None)
        bad_size = "per_page" in data and not _is_int_in_range(data["per_page"], 1, MAX_PER_PAGE)
        if bad_page or bad_size:
            raise ValidationError(PAGE_MESSAGE)
        return data


class UserListArgs(FilterArgs, PageArgs):
    pass


# --- responses -------------------------------------------------------------------------------


class FilterOptionOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class MembershipOut(Schema):
    id = fields.UUID(required=True)
    user_id = fields.String(required=True)
    approval_status = fields.String(
        required=True, validate=validate.OneOf([status.value for status in ApprovalStatusEnum])
    )
    updated_by = fields.String(
        required=True, metadata={"description": "The updater's email, or `(automatic)`."}
    )
    updated_at = fields.AwareDateTime(required=True)
    revocation_reason = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    request_reason = fields.String(allow_none=True)


class PlatformMembershipOut(MembershipOut):
    platform_id = fields.String(
        required=True, validate=validate.OneOf([platform.value for platform in PlatformEnum])
    )
    platform_name = fields.String(required=True)


class GroupMembershipOut(MembershipOut):
    group_id = fields.String(required=True)
    group_name = fields.String(required=True)
    group_short_name = fields.String(required=True)
    requested_at = fields.AwareDateTime(allow_none=True)


class MembershipsOut(Schema):
    platform_memberships = fields.List(fields.Nested(PlatformMembershipOut), required=True)
    group_memberships = fields.List(fields.Nested(GroupMembershipOut), required=True)


class UserOut(MembershipsOut):
    """BiocommonsUserResponse: a user with all their live memberships."""

    id = fields.String(required=True)
    email = fields.String(required=True)
    username = fields.String(required=True)
    email_verified = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class Auth0ProfileOut(Schema):
    """The Auth0 user's fields the portal's user page may read."""

    user_id = fields.String(required=True)
    email = fields.String(allow_none=True)
    username = fields.String(allow_none=True)
    email_verified = fields.Boolean()
    created_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
    identities = fields.List(fields.Nested(Auth0IdentityOut))
    name = fields.String(allow_none=True)
    given_name = fields.String(allow_none=True)
    family_name = fields.String(allow_none=True)
    nickname = fields.String(allow_none=True)
    picture = fields.String(allow_none=True)
    blocked = fields.Boolean(allow_none=True)
    user_metadata = fields.Dict(allow_none=True)
    app_metadata = fields.Dict(allow_none=True)
    last_ip = fields.String(allow_none=True)
    last_login = fields.String(allow_none=True)
    logins_count = fields.Integer(allow_none=True)


class UserDetailsOut(Auth0ProfileOut, MembershipsOut):
    """The Auth0 user, plus the memberships from the database."""


class PageInfoOut(Schema):
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class CountsOut(Schema):
    all = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    revoked = fields.Integer(required=True)
    unverified = fields.Integer(required=True)


class MembershipUpdateOut(Schema):
    status = fields.String(required=True)
    updated = fields.Boolean(required=True)


class MessageOut(Schema):
    message = fields.String(required=True)


# --- bodies ----------------------------------------------------------------------------------


def _trimmed_or_none(value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    return value or None


class RevokeIn(Body):
    reason = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(max=REVOCATION_REASON_MAX)
    )

    @post_load
    def trim(self, data, **_kwargs):
        return {"reason": _trimmed_or_none(data["reason"])}


class DeleteIn(RevokeIn):
    """Why the account is deleted (optional, as the original)."""


class RejectIn(Body):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REJECTION_REASON_MAX))

    @validates("reason")
    def not_blank(self, value: str, **_kwargs) -> None:
        if not value.strip():
            raise ValidationError("Reason must not be empty")

    @post_load
    def trim(self, data, **_kwargs):
        return {"reason": data["reason"].strip()}


def admin_email(value: str) -> str:
    """The trimmed address with an ASCII (punycode), lower-case domain.

    The portal sends what the admin typed, not punycoded (portal contract #28), so an
    internationalised domain is transcoded here instead of refused.
    """
    local, at, domain = value.strip().partition("@")
    if at and not domain.isascii():
        try:
            domain = domain.strip().encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValidationError("Please enter a valid email address.") from error
    return normalise_email(f"{local}{at}{domain}")


def _normalised_email(data: dict, name: str) -> dict:
    try:
        return {name: admin_email(data[name])}
    except ValidationError as error:
        raise ValidationError(error.messages, name) from error


class EmailUpdateIn(Body):
    email = fields.String(required=True, validate=validate.Length(max=320))

    @post_load
    def normalise(self, data, **_kwargs):
        return _normalised_email(data, "email")


class InvalidEmailDeleteIn(Body):
    correct_email = fields.String(required=True, validate=validate.Length(max=320))

    @post_load
    def normalise(self, data, **_kwargs):
        return _normalised_email(data, "correct_email")


class UsernameUpdateIn(Body):
    username = fields.String(required=True)

    @pre_load
    def trim(self, data, **_kwargs):
        if isinstance(data, dict) and isinstance(data.get("username"), str):
            return {**data, "username": data["username"].strip()}
        return data

    @validates("username")
    def check(self, value: str, **_kwargs) -> None:
        validate_username(value)


# --- /biocommons-admin -----------------------------------------------------------------------

_ROLE_NAME = fields.String(validate=validate.Regexp(ROLE_PATTERN))


class GroupCreateIn(Body):
    group_id = fields.String(required=True, validate=validate.Regexp(GROUP_ID_PATTERN))
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    admin_roles = fields.List(_ROLE_NAME, load_default=list)


class GroupCreatedOut(Schema):
    group_id = fields.String(required=True)
    name = fields.String(required=True)
    admin_roles = fields.List(fields.String(), required=True)


class PlatformCreateIn(Body):
    id = fields.Enum(PlatformEnum, by_value=True, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    admin_roles = fields.List(_ROLE_NAME, load_default=list)


class PlatformCreatedOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    admin_roles = fields.List(fields.String(), required=True)


class AdminRolesIn(Body):
    role_names = fields.List(
        fields.String(validate=validate.Length(min=1, max=NAME_MAX)), required=True
    )


class RoleCreateIn(Body):
    name = fields.String(
        required=True,
        validate=validate.Regexp(
            f"({ROLE_PATTERN})|({GROUP_ID_PATTERN})",
            error="Role name must look like biocommons/role/<x>/<y> or biocommons/group/<x>.",
        ),
    )
    description = fields.String(load_default="", validate=validate.Length(max=NAME_MAX))


class RoleOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    is_deleted = fields.Boolean(required=True)
