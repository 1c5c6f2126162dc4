"""`/admin`: what platform and group admins use (every route needs a general admin, 30 §2).

The blueprint's gate checks the general admin once (`aai.api.gated`). Views check the rights
over the resource, load their input, call a service from `aai.admin_lists.queries` (lists),
`aai.access.memberships` or `aai.accounts` (changes), commit once (see `aai.consistency` for
changes that touch Auth0), and dump the answer.
"""

import re

from flask import Response, current_app, jsonify

from aai.access import memberships
from aai.access.authority import AccountAction, Caller, may_act_on_account
from aai.access.memberships import group_membership, platform_membership
from aai.accounts import deletion, email_change, profile
from aai.accounts.username import UNCHANGED_FOR_ADMIN, change_username
from aai.admin_lists.queries import (
    CANNED_FILTERS,
    FILTER_OPTIONS,
    Scope,
    UserFilters,
    check_filters,
    counts,
    page_info,
    user_with_memberships,
    users_page,
)
from aai.api.admin_schemas import (
    Auth0ProfileOut,
    CountsOut,
    DeleteIn,
    EmailUpdateIn,
    FilterArgs,
    FilterOptionOut,
    InvalidEmailDeleteIn,
    MembershipUpdateOut,
    MessageOut,
    PageArgs,
    PageInfoOut,
    RejectIn,
    RevokeIn,
    UserDetailsOut,
    UserListArgs,
    UsernameUpdateIn,
    UserOut,
)
from aai.api.gated import GatedBlueprint
from aai.api.schemas import BOOLEAN
from aai.api.schemas import documented_errors as shared_documented_errors
from aai.consistency import commit_or_undo
from aai.errors import PathValueError
from aai.extensions import db, read_only
from aai.identity.auth0 import auth0_client
from aai.identity.permissions import (
    acting_admin,
    administered_platform_ids,
    find_live_user,
    find_platform,
    require_general_admin,
    require_group_admin,
    require_platform_admin,
    require_user_admin,
)
from aai.identity.tokens import current_token
from aai.models import BiocommonsUser

bp = GatedBlueprint(
    "admin", __name__, url_prefix="/admin", description="Administration", gate=require_general_admin
)

UPDATED = {"status": "ok", "updated": True}
# The original's user id pattern in effect: one path segment ending in a letter or digit
# (30 §0); control characters and blanks are refused before they reach the database.
USER_ID = re.compile(r"[^\x00-\x20\x7f/]{0,255}[A-Za-z0-9]")
RESOURCE_ID = re.compile(r"[-a-zA-Z0-9_%/]{1,255}")


def documented_errors(*codes: int):
    return shared_documented_errors(bp, *codes)


def _checked(value: str, pattern: re.Pattern, field: str) -> str:
    if not pattern.fullmatch(value):
        raise PathValueError(field, f"Invalid {field.replace('_', ' ')}.")
    return value


def user_id_from(path_value: str) -> str:
    return _checked(path_value, USER_ID, "user_id")


def platform_admin_for(platform_id: str):
    return require_platform_admin(_checked(platform_id, RESOURCE_ID, "platform_id"))


def group_admin_for(group_id: str):
    return require_group_admin(_checked(group_id, RESOURCE_ID, "group_id"))


def filters_from(args: dict) -> UserFilters:
    names = UserFilters.__dataclass_fields__
    return UserFilters(**{key: value for key, value in args.items() if key in names})


# List answers are JSON texts built by the database (aai.admin_lists.queries) and returned as they
# are; the schemas given to @bp.response document them, and the tests check the answers against
# those schemas.
MEMBERSHIP_KEYS = ("platform_memberships", "group_memberships")


def json_response(text: str) -> Response:
    return current_app.response_class(text, mimetype="application/json")


# --- lists -----------------------------------------------------------------------------------


@bp.get("/filters")
@read_only
@bp.response(200, FilterOptionOut(many=True))
@documented_errors(401, 403)
def filter_options():
    """The options of the user list's "filter by" select (their ids are `filter_by` values)."""
    return list(FILTER_OPTIONS)


@bp.get("/users")
@read_only
@bp.arguments(UserListArgs, location="query", as_kwargs=True)
@bp.response(200, UserOut(many=True))
@documented_errors(400, 401, 403, 404)
def list_users(page: int, per_page: int, **filters):
    """Users the caller administers, filtered, one page at a time (stable id order)."""
    query = filters_from(filters)
    check_filters(query)
    return json_response(users_page(Scope.of(current_token()), query, page, per_page))


@bp.get("/users/pages")
@read_only
@bp.arguments(UserListArgs, location="query", as_kwargs=True)
@bp.response(200, PageInfoOut)
@documented_errors(400, 401, 403, 404)
def list_page_info(page: int, per_page: int, **filters):
    """How many users and pages GET /admin/users has for these filters."""
    query = filters_from(filters)
    check_filters(query)
    return page_info(Scope.of(current_token()), query, per_page)


@bp.get("/users/counts")
@read_only
@bp.arguments(FilterArgs, location="query", as_kwargs=True)
@bp.response(200, CountsOut)
@documented_errors(400, 401, 403, 404)
def user_counts(**filters):
    """The navbar badges: all, pending, revoked and unverified users."""
    query = filters_from(filters)
    check_filters(query)
    return counts(Scope.of(current_token()), query)


def _canned_list(name: str):
    @bp.arguments(PageArgs, location="query", as_kwargs=True)
    @bp.response(200, UserOut(many=True))
    @documented_errors(401, 403)
    def view(page: int, per_page: int):
        scope = Scope.of(current_token())
        return json_response(users_page(scope, CANNED_FILTERS[name], page, per_page))

    view.__name__ = f"list_{name}_users"
    view.__doc__ = f"{name.capitalize()} users (other filters ignored)."
    bp.get(f"/users/{name}")(read_only(view))


for _name in CANNED_FILTERS:
    _canned_list(_name)


# --- one user --------------------------------------------------------------------------------


@bp.get("/users/<user_id>")
@read_only
@bp.response(200, UserOut)
@documented_errors(401, 403, 404)
def get_user(user_id: str):
    """A user the caller administers, with all their memberships."""
    return jsonify(user_with_memberships(require_user_admin(user_id_from(user_id)).id))


@bp.get("/users/<user_id>/details")
@read_only
@bp.response(200, UserDetailsOut)
@documented_errors(401, 403, 404, 502, 503)
def get_user_details(user_id: str):
    """The user's Auth0 profile with their memberships (the portal's user page)."""
    user = require_user_admin(user_id_from(user_id))
    record = Auth0ProfileOut().dump(profile.auth0_record(auth0_client(), user))
    lists = user_with_memberships(user.id)
    return jsonify({**record, **{key: lists[key] for key in MEMBERSHIP_KEYS}})


def account_target(user_id: str, action: AccountAction) -> tuple[BiocommonsUser, BiocommonsUser]:
    """The live target user and the acting admin, if the one rule of admin authority
    (`aai.access.authority`) lets the caller take `action` on them; else 404 or 403."""
    target = find_live_user(user_id_from(user_id))
    actor = acting_admin()
    may_act_on_account(auth0_client(), Caller.with_token(actor, current_token()), target, action)
    return target, actor


@bp.post("/users/<user_id>/email/update")
@bp.arguments(EmailUpdateIn, error_status_code=400)
@bp.response(200, MessageOut)
@documented_errors(401, 403, 404, 503)
def update_email(body: dict, user_id: str):
    """Change the user's email (unverified until they confirm it); the old address is told."""
    user, actor = account_target(user_id, AccountAction.EMAIL_CHANGE)
    change = email_change.set_by_admin(auth0_client(), user, body["email"], actor)
    commit_or_undo(change.undo, f"email change of {user.id}")
    return {"message": "Email updated. Verification email sent."}


@bp.post("/users/<user_id>/username/update")
@bp.arguments(UsernameUpdateIn, error_status_code=400)
@bp.response(200, MessageOut)
@documented_errors(401, 403, 404, 503)
def update_username(body: dict, user_id: str):
    """Change the user's username; the user is told by email."""
    user, actor = account_target(user_id, AccountAction.USERNAME_CHANGE)
    change = change_username(
        auth0_client(),
        user,
        body["username"],
        by=actor,
        unchanged_message=UNCHANGED_FOR_ADMIN,
        tell_user=True,
    )
    commit_or_undo(change.undo, f"username of {user.id}")
    return {"message": "User's username updated successfully."}


@bp.post("/users/<user_id>/delete")
@bp.arguments(DeleteIn)
@bp.response(200, MessageOut)
@documented_errors(401, 403, 404, 503)
def delete_user(body: dict, user_id: str):
    """Soft-delete the account and block it in Auth0 (platform and BioCommons admins only)."""
    user, actor = account_target(user_id, AccountAction.DELETION)
    undo = deletion.delete_account(auth0_client(), user, by=actor, reason=body["reason"])
    commit_or_undo(undo, f"deletion of {user.id}")
    return {"message": f"User {user.id} deleted successfully."}


@bp.post("/users/<user_id>/delete_invalid_email")
@bp.arguments(InvalidEmailDeleteIn)
@bp.response(200, MessageOut)
@documented_errors(400, 401, 403, 404, 503)
def delete_invalid_email(body: dict, user_id: str):
    """Delete an unverified account with a mistyped email; ask the right address to register."""
    user, actor = account_target(user_id, AccountAction.INVALID_EMAIL_DELETION)
    undo = deletion.delete_mistyped_account(
        auth0_client(), user, by=actor, correct_email=body["correct_email"]
    )
    commit_or_undo(undo, f"deletion of {user.id}")
    return {"message": f"User {user.id} deleted and {body['correct_email']} informed."}


@bp.post("/users/<user_id>/verification-email/resend")
@bp.response(200, MessageOut)
@documented_errors(401, 403, 404, 503)
def resend_verification_email(user_id: str):
    """Ask Auth0 to send the user a new verification email."""
    user, _actor = account_target(user_id, AccountAction.VERIFICATION_RESEND)
    auth0_client().send_verification_email(user.id)
    return {"message": "Verification email resent."}


@bp.post("/users/<user_id>/password-reset-email")
@bp.response(200, MessageOut)
@documented_errors(400, 401, 403, 404, 503)
def send_password_reset_email(user_id: str):
    """Ask Auth0 to email the user a password-reset link."""
    user, _actor = account_target(user_id, AccountAction.PASSWORD_RESET)
    profile.send_password_reset_email(auth0_client(), user)
    return {"message": "Password reset email sent."}


# --- memberships -----------------------------------------------------------------------------


@bp.post("/users/<user_id>/platforms/<platform_id>/approve")
@bp.response(200, MembershipUpdateOut)
@documented_errors(401, 403, 404, 503)
def approve_platform(user_id: str, platform_id: str):
    """Approve the user's access to a platform you administer."""
    platform = platform_admin_for(platform_id)
    membership = platform_membership(user_id_from(user_id), platform)
    undo = memberships.approve_platform(auth0_client(), membership, platform, acting_admin())
    commit_or_undo(undo, f"approval of {membership.user_id} on {platform.id.value}")
    return UPDATED


@bp.post("/users/<user_id>/platforms/<platform_id>/revoke")
@bp.arguments(RevokeIn)
@bp.response(200, MembershipUpdateOut)
@documented_errors(401, 403, 404, 503)
def revoke_platform(body: dict, user_id: str, platform_id: str):
    """Revoke the user's access to a platform you administer."""
    platform = platform_admin_for(platform_id)
    membership = platform_membership(user_id_from(user_id), platform)
    undo = memberships.revoke_platform(
        auth0_client(), membership, platform, acting_admin(), body["reason"]
    )
    commit_or_undo(undo, f"revocation of {membership.user_id} on {platform.id.value}")
    return UPDATED


@bp.post("/users/<user_id>/groups/<path:group_id>/approve")
@bp.response(200, MembershipUpdateOut)
@documented_errors(400, 401, 403, 404, 503)
def approve_group(user_id: str, group_id: str):
    """Approve a pending or revoked membership of a group you administer (emails the user)."""
    group = group_admin_for(group_id)
    membership = group_membership(user_id_from(user_id), group)
    undo = memberships.approve_group(auth0_client(), membership, group, acting_admin())
    commit_or_undo(undo, f"approval of {membership.user_id} in {group.group_id}")
    return UPDATED


@bp.post("/users/<user_id>/groups/<path:group_id>/reject")
@bp.arguments(RejectIn)
@bp.response(200, MembershipUpdateOut)
@documented_errors(400, 401, 403, 404)
def reject_group(body: dict, user_id: str, group_id: str):
    """Reject a pending request to join a group you administer."""
    group = group_admin_for(group_id)
    membership = group_membership(user_id_from(user_id), group)
    memberships.reject_group(membership, acting_admin(), body["reason"])
    db.session.commit()
    return UPDATED


@bp.post("/users/<user_id>/groups/<path:group_id>/unreject")
@bp.response(200, MembershipUpdateOut)
@documented_errors(400, 401, 403, 404)
def unreject_group(user_id: str, group_id: str):
    """Put a rejected request back to pending."""
    group = group_admin_for(group_id)
    membership = group_membership(user_id_from(user_id), group)
    memberships.unreject_group(membership, acting_admin())
    db.session.commit()
    return UPDATED


@bp.post("/users/<user_id>/groups/<path:group_id>/revoke")
@bp.arguments(RevokeIn)
@bp.response(200, MembershipUpdateOut)
@documented_errors(401, 403, 404, 503)
def revoke_group(body: dict, user_id: str, group_id: str):
    """Revoke a membership of a group you administer."""
    group = group_admin_for(group_id)
    membership = group_membership(user_id_from(user_id), group)
    undo = memberships.revoke_group(
        auth0_client(), membership, group, acting_admin(), body["reason"]
    )
    commit_or_undo(undo, f"revocation of {membership.user_id} in {group.group_id}")
    return UPDATED


# --- platforms -------------------------------------------------------------------------------


@bp.get("/platforms/<platform_id>/is-admin")
@read_only
@bp.response(200, BOOLEAN)
@documented_errors(401, 403, 404)
def is_platform_admin(platform_id: str):
    """Whether the caller administers this platform (general admins only)."""
    platform = find_platform(platform_id)
    return jsonify(platform.id in administered_platform_ids(current_token()))
