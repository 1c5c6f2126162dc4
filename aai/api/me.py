"""`/me`: the calling user's own view of their account and access (20 §9.5–9.21).

Views are thin: authorise → load input → call a service → commit once → dump. Endpoints that
Auth0 Actions call (`/migration/*`, `/email-verification/resend`) take a session token in the
body or query instead of a bearer token.
"""

from flask import jsonify, redirect
from sqlalchemy import select

from aai.access.group_requests import request_groups
from aai.accounts import deletion, email_change, profile
from aai.accounts import login_flows as auth0_actions
from aai.accounts.deletion import SELF_DELETION
from aai.accounts.username import UNCHANGED_FOR_SELF, change_username
from aai.api.arguments import PortalBlueprint
from aai.api.schemas import BOOLEAN, AdminGroupOut, AdminPlatformOut
from aai.api.user_schemas import (
    AllPendingOut,
    Auth0UserOut,
    EmailContinueIn,
    EmptyIn,
    GroupRequestIn,
    GroupRequestOut,
    MigrationPasswordIn,
    NameUpdateIn,
    OutcomeOut,
    OwnEmailUpdateIn,
    OwnGroupMembershipOut,
    OwnPlatformMembershipOut,
    OwnUsernameUpdateIn,
    PasswordChangedArgs,
    PasswordUpdateIn,
    ProfileOut,
    VerificationResendIn,
)
from aai.caching import cache
from aai.consistency import commit_or_undo
from aai.errors import ErrorSchema
from aai.extensions import db, read_only
from aai.identity.auth0 import auth0_client
from aai.identity.permissions import (
    administered_group_ids,
    administered_platform_ids,
    is_general_admin,
)
from aai.identity.tokens import authenticated, bearer_token, current_token, require_user
from aai.limits import per_address, per_user
from aai.models import ApprovalStatusEnum, BiocommonsGroup, Platform

bp = PortalBlueprint("me", __name__, url_prefix="/me", description="The current user")

APPROVED, PENDING = ApprovalStatusEnum.APPROVED, ApprovalStatusEnum.PENDING


# Keyed by the token's subject, as the original: a caller aai has no row of has no memberships
# (`[]`), rather than the 404 of the endpoints that need the row.
def _platforms(status: ApprovalStatusEnum | None = None):
    return profile.own_platform_memberships(current_token().sub, status)


def _groups(status: ApprovalStatusEnum | None = None):
    return profile.own_group_memberships(current_token().sub, status)


# --- identity and admin rights -----------------------------------------------------------------


@bp.get("/is-general-admin")
@read_only
@authenticated
@bp.response(200, BOOLEAN)
def is_general_admin_view():
    """Whether the caller may use the admin pages (always a boolean for a valid token)."""
    return jsonify(is_general_admin(current_token()))


@bp.get("/platforms/admin-roles")
@read_only
@authenticated
@bp.response(200, AdminPlatformOut(many=True))
def platforms_administered():
    """Platforms the caller administers."""
    ids = administered_platform_ids(current_token())
    return db.session.scalars(select(Platform).where(Platform.id.in_(ids)).order_by(Platform.name))


@bp.get("/groups/admin-roles")
@read_only
@authenticated
@bp.response(200, AdminGroupOut(many=True))
def groups_administered():
    """Groups the caller administers."""
    ids = administered_group_ids(current_token())
    query = select(BiocommonsGroup).where(BiocommonsGroup.group_id.in_(ids))
    return db.session.scalars(query.order_by(BiocommonsGroup.name))


# --- memberships -------------------------------------------------------------------------------


@bp.get("/platforms")
@read_only
@authenticated
@bp.response(200, OwnPlatformMembershipOut(many=True))
def my_platforms():
    """The caller's platform memberships, every status."""
    return _platforms()


@bp.get("/platforms/approved")
@read_only
@authenticated
@bp.response(200, OwnPlatformMembershipOut(many=True))
def my_approved_platforms():
    """The caller's approved platform memberships."""
    return _platforms(APPROVED)


@bp.get("/platforms/pending")
@read_only
@authenticated
@bp.response(200, OwnPlatformMembershipOut(many=True))
def my_pending_platforms():
    """The caller's pending platform memberships."""
    return _platforms(PENDING)


@bp.get("/groups")
@read_only
@authenticated
@bp.response(200, OwnGroupMembershipOut(many=True))
def my_groups():
    """The caller's group memberships, every status."""
    return _groups()


@bp.get("/groups/approved")
@read_only
@authenticated
@bp.response(200, OwnGroupMembershipOut(many=True))
def my_approved_groups():
    """The caller's approved group memberships."""
    return _groups(APPROVED)


@bp.get("/groups/pending")
@read_only
@authenticated
@bp.response(200, OwnGroupMembershipOut(many=True))
def my_pending_groups():
    """The caller's pending group memberships."""
    return _groups(PENDING)


@bp.get("/all/pending")
@read_only
@authenticated
@bp.response(200, AllPendingOut)
def my_pending():
    """The caller's pending platform and group memberships."""
    return {"platforms": _platforms(PENDING), "groups": _groups(PENDING)}


@bp.post("/groups/request")
@authenticated
@bp.arguments(GroupRequestIn)
@bp.response(200, GroupRequestOut)
@bp.alt_response(404, schema=ErrorSchema, description="No such group.")
@bp.alt_response(409, schema=ErrorSchema, description="Already a member, pending or revoked.")
def request_group_access(data):
    """Ask to join groups (bundles): all of them or none. Takes the portal's
    `{groups: [{group_id, request_reason}]}` or the original's `{group_id, request_reason}`."""
    requests = request_groups(auth0_client(), require_user(), data["items"])
    db.session.commit()
    results = [
        {"group_id": r.group.group_id, "status": r.status, "message": r.message} for r in requests
    ]
    return {"results": results} if data["bulk"] else {"message": results[0]["message"]}


# --- profile -----------------------------------------------------------------------------------


@bp.get("/profile")
@read_only
@authenticated
@bp.response(200, ProfileOut)
@bp.alt_response(403, schema=ErrorSchema, description="The account was deleted.")
@bp.alt_response(404, schema=ErrorSchema, description="aai has no record of the caller yet.")
def my_profile():
    """The caller's profile: names from Auth0, email, username and memberships from aai."""
    # One answer per user and cache version (docs/decisions.md 70): a repeated call neither asks
    # Auth0 nor reads the memberships. Every committed write to what it shows changes the
    # version, and so do aai's changes kept in Auth0 only (names, password, migration flag).
    return cache("profiles").get_or_compute(current_token().sub, _caller_profile)


def _caller_profile() -> dict:
    return profile.profile(auth0_client(), require_user(), bearer_token())


@bp.post("/profile/username/update")
@authenticated
@bp.arguments(OwnUsernameUpdateIn, error_status_code=400)
@bp.response(200, Auth0UserOut)
def update_my_username(data):
    """Change the caller's username (old ones stay reserved for their owner)."""
    user = require_user()
    change = change_username(
        auth0_client(),
        user,
        data["username"],
        by=user,
        unchanged_message=UNCHANGED_FOR_SELF,
        tell_user=False,
    )
    commit_or_undo(change.undo, f"username of {user.id}")
    return change.auth0_user


@bp.post("/profile/name/update")
@authenticated
@bp.arguments(NameUpdateIn, error_status_code=400)
@bp.response(200, Auth0UserOut)
def update_my_name(data):
    """Change the caller's first and last name (kept in Auth0 only)."""
    auth0_user = profile.change_name(
        auth0_client(), require_user(), data["first_name"], data["last_name"]
    )
    db.session.commit()
    return auth0_user


@bp.post("/profile/email/update")
@authenticated
@per_user("RATELIMIT_EMAIL_CODE")
@bp.arguments(OwnEmailUpdateIn, error_status_code=400)
@bp.response(200, OutcomeOut)
@bp.alt_response(429, schema=ErrorSchema, description="Too many codes requested.")
def start_my_email_change(data):
    """Send a 6-digit code to the new address (step 1 of an email change)."""
    email_change.start(auth0_client(), require_user(), data["email"])
    db.session.commit()
    return {"message": email_change.CODE_SENT}


@bp.post("/profile/email/continue")
@authenticated
@per_user("RATELIMIT_EMAIL_CODE_ATTEMPTS")
@bp.arguments(EmailContinueIn, error_status_code=400)
@bp.response(200, Auth0UserOut)
@bp.alt_response(409, schema=ErrorSchema, description="Another account uses the address.")
@bp.alt_response(429, schema=ErrorSchema, description="Too many attempts.")
def finish_my_email_change(data):
    """Check the code and move the account to the new address (step 2)."""
    user = require_user()
    result = email_change.check(user, data["otp"])
    if result.error is not None:
        db.session.commit()  # the failed attempt counts
        raise result.error
    # CodeCheck holds the code whenever it holds no error.
    change = email_change.apply(auth0_client(), user, result.code)  # type: ignore[arg-type]
    commit_or_undo(change.undo, f"email change of {user.id}")
    return change.auth0_user


@bp.post("/profile/password/update")
@authenticated
@bp.arguments(PasswordUpdateIn, error_status_code=400)
@bp.response(200, OutcomeOut)
def update_my_password(data):
    """Change the caller's password after checking the current one with Auth0."""
    profile.change_password(
        auth0_client(), require_user(), data["current_password"], data["new_password"]
    )
    db.session.commit()
    return {"message": "Password updated successfully"}


@bp.post("/profile/delete")
@authenticated
@bp.arguments(EmptyIn)
@bp.response(200, OutcomeOut)
def delete_my_account(_data):
    """Delete the caller's account (soft delete; blocked in Auth0; memberships kept)."""
    user = require_user()
    undo = deletion.delete_account(auth0_client(), user, by=user, reason=SELF_DELETION)
    commit_or_undo(undo, f"self-deletion of {user.id}")
    return {"message": "Account deleted successfully."}


# --- Auth0 Actions (session token, no bearer) --------------------------------------------------


@bp.post("/migration/update-password")
@bp.arguments(MigrationPasswordIn)
@bp.response(200, OutcomeOut)
@bp.alt_response(401, schema=ErrorSchema, description="Invalid or expired session token.")
def start_migration(data):
    """Legacy-account migration: Auth0 emails a link to set a new password."""
    auth0_actions.start_migration(auth0_client(), data["session_token"], data["client_id"])
    return {"message": "Password change initiated successfully"}


@bp.post("/email-verification/resend")
@per_address("RATELIMIT_EMAIL_SENDING")
@bp.arguments(VerificationResendIn)
@bp.response(200, OutcomeOut)
@bp.alt_response(401, schema=ErrorSchema, description="Invalid or expired session token.")
@bp.alt_response(429, schema=ErrorSchema, description="Too many requests.")
def resend_my_verification_email(data):
    """Auth0 sends the verification email again (reCAPTCHA and session token required)."""
    auth0_actions.resend_verification(
        auth0_client(), data["session_token"], data["recaptcha_token"]
    )
    return {"message": "Verification email sent successfully"}


@bp.get("/migration/password-changed")
@bp.arguments(PasswordChangedArgs, location="query")
@bp.response(307, description="Back to Auth0, to resume the login.")
@bp.alt_response(401, schema=ErrorSchema, description="Invalid or expired session token.")
def finish_migration(args):
    """After the migration password change: clear the flag, welcome, resume the login."""
    location = auth0_actions.finish_migration(auth0_client(), args["session_token"], args["state"])
    db.session.commit()
    return redirect(location, code=307)
