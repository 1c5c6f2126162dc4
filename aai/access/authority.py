"""Who may take an account-level action on whom (spec D16; the table is in docs/decisions.md).

One function, `may_act_on_account`, decides it for every account action of `/admin` and for
the dashboard's restore. It only reads (the database, and the target's roles in Auth0), so a
refusal changes nothing anywhere. Membership actions (approve, revoke, reject) keep their own,
original scope rule (`aai.identity.permissions.require_platform_admin` / `require_group_admin`).

The rule, in the order it is checked:
1. nobody acts on their own account here: admins change themselves through `/me`;
2. a BioCommons admin may take every action on every other account;
3. a platform or group admin needs an *approved* membership of the target in its scope (a
   pending, rejected or revoked request is no link), and a platform in its scope for deletions
   (group admins never delete, as before);
4. a target holding vetted access outside the caller's scope (a non-default platform or a
   group the caller does not administer, approved) is out of reach for everything but a resent
   verification email, which goes to the target's own address;
5. a target holding any admin role is out of reach (the roles are Auth0's: the database keeps
   no user's roles).
"""

import enum
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ColumnElement, select

from aai.access.bundles import DEFAULT_PLATFORMS
from aai.errors import ForbiddenError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.identity.permissions import (
    CANNOT_MANAGE_USER,
    administered_group_ids,
    administered_platform_ids,
    is_biocommons_admin,
)
from aai.identity.tokens import AccessToken
from aai.models import (
    ApprovalStatusEnum,
    Auth0Role,
    BiocommonsUser,
    GroupMembership,
    GroupRoleLink,
    PlatformMembership,
    PlatformRoleLink,
)


class AccountAction(enum.Enum):
    EMAIL_CHANGE = "email change"
    USERNAME_CHANGE = "username change"
    PASSWORD_RESET = "password-reset email"  # noqa: S105 - an action's name
    VERIFICATION_RESEND = "verification email"
    DELETION = "deletion"
    INVALID_EMAIL_DELETION = "deletion for a mistyped email"
    RESTORE = "restore"


# Actions that end or bring back an account: platform admins (and BioCommons admins) only.
PLATFORM_ONLY = frozenset(
    {AccountAction.DELETION, AccountAction.INVALID_EMAIL_DELETION, AccountAction.RESTORE}
)
# What a platform or group admin may still do for a user who holds access it does not
# administer: the email goes to the user's own address and changes nothing.
HARMLESS = frozenset({AccountAction.VERIFICATION_RESEND})
ADMIN_ROLE_PREFIX = "biocommons/role/"

ACT_ON_YOURSELF_THROUGH_ME = "Change your own account through /me, not through the admin pages."
TARGET_IS_AN_ADMIN = "Only a BioCommons admin can act on the account of an admin."
ACCESS_OUTSIDE_YOUR_SCOPE = (
    "This user has access that you do not administer; only a BioCommons admin can do this."
)


@dataclass(frozen=True)
class Caller:
    """An admin as the rule sees it: their live account and what they administer."""

    user: BiocommonsUser
    biocommons_admin: bool
    platforms: frozenset = frozenset()
    groups: frozenset = frozenset()

    @classmethod
    def with_token(cls, user: BiocommonsUser, token: AccessToken) -> "Caller":
        return cls(
            user,
            is_biocommons_admin(token),
            administered_platform_ids(token),
            administered_group_ids(token),
        )

    @classmethod
    def dashboard_admin(cls, user: BiocommonsUser) -> "Caller":
        """The dashboard admits BioCommons admins only (checked at its login)."""
        return cls(user, biocommons_admin=True)


def may_act_on_account(
    auth0: Auth0Client, caller: Caller, target: BiocommonsUser, action: AccountAction
) -> None:
    """Return if `caller` may take `action` on `target`; else 403."""
    if target.id == caller.user.id:
        raise ForbiddenError(ACT_ON_YOURSELF_THROUGH_ME)
    if caller.biocommons_admin:
        return
    platforms, groups = caller.platforms, caller.groups
    linking_groups = frozenset() if action in PLATFORM_ONLY else groups
    if not _has_approved_link(target.id, platforms, linking_groups):
        raise ForbiddenError(CANNOT_MANAGE_USER)
    if action not in HARMLESS and _has_access_outside(target.id, platforms, groups):
        raise ForbiddenError(ACCESS_OUTSIDE_YOUR_SCOPE)
    if holds_admin_role(auth0, target.id):
        raise ForbiddenError(TARGET_IS_AN_ADMIN)


def _has_approved_link(user_id: str, platforms: frozenset, groups: frozenset) -> bool:
    return _holds_approved(
        user_id,
        PlatformMembership.platform_id.in_(platforms),
        GroupMembership.group_id.in_(groups),
    )


def _has_access_outside(user_id: str, platforms: frozenset, groups: frozenset) -> bool:
    """Vetted access (a non-default platform, a group) that the caller does not administer."""
    return _holds_approved(
        user_id,
        PlatformMembership.platform_id.not_in([*platforms, *DEFAULT_PLATFORMS]),
        GroupMembership.group_id.not_in(groups),
    )


def _holds_approved(
    user_id: str, which_platforms: ColumnElement[bool], which_groups: ColumnElement[bool]
) -> bool:
    """Whether the user has a live, approved membership on such a platform or in such a group."""
    for model, which in ((PlatformMembership, which_platforms), (GroupMembership, which_groups)):
        query = select(model.user_id).where(
            model.user_id == user_id,
            model.active(),
            model.approval_status == ApprovalStatusEnum.APPROVED,
            which,
        )
        if db.session.scalar(query.limit(1)) is not None:
            return True
    return False


def holds_admin_role(auth0: Auth0Client, user_id: str) -> bool:
    """Whether the user holds, in Auth0, a role that gives authority: one of `ADMIN_ROLES`, a
    role linked as a platform's or group's admin role, or any `biocommons/role/...` role (the
    admin roles' form, linked or not yet). A user Auth0 does not have holds no role."""
    try:
        names = {role["name"] for role in auth0.get_user_roles(user_id)}
    except Auth0RequestRejectedError as error:
        if error.status != 404:
            raise
        return False
    if not names.isdisjoint(current_app.config["ADMIN_ROLES"]):
        return True
    if any(name.startswith(ADMIN_ROLE_PREFIX) for name in names):
        return True
    linked = select(Auth0Role.name).where(
        Auth0Role.name.in_(names),
        Auth0Role.id.in_(select(PlatformRoleLink.role_id).where(PlatformRoleLink.active()))
        | Auth0Role.id.in_(select(GroupRoleLink.role_id).where(GroupRoleLink.active())),
    )
    return db.session.scalar(linked.limit(1)) is not None
