"""What the caller may do (30 §1): BioCommons, platform, group and general admins, and the
per-resource checks with the original's messages.

Rights come from the token's role names matched against the admin-role links in the database;
nothing is cached beyond the current request.
"""

from flask import current_app
from sqlalchemy import exists, select

from aai.caching import cache
from aai.errors import ForbiddenError, NotFoundError
from aai.extensions import db
from aai.identity.tokens import AccessToken, current_token, current_user, request_cache
from aai.models import (
    Auth0Role,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformMembership,
    PlatformRoleLink,
)

NOT_AN_ADMIN = "You must be an admin to access this endpoint."
NO_LIVE_ACCOUNT = (
    "Your account is deleted or blocked, or not (yet) in aai's database: admin rights need a "
    "live account."
)
CANNOT_MANAGE_USER = "You do not have permission to manage this user."
CANNOT_MANAGE_PLATFORM = "You do not have permission to manage this platform."
CANNOT_MANAGE_GROUP = "You do not have permission to manage this group."
# Platform admins also administer the bundle group of their platform (portal contract §6.4).
PLATFORM_BUNDLE_GROUPS = {PlatformEnum.SBP: "biocommons/group/sbp_workflow_execution"}


def is_biocommons_admin(token: AccessToken) -> bool:
    return not token.roles.isdisjoint(current_app.config["ADMIN_ROLES"])


def administered_platform_ids(token: AccessToken) -> frozenset[PlatformEnum]:
    """Platforms whose admin roles (live links, live roles) the token holds."""
    return _admin_scope(token)[0]


def administered_group_ids(token: AccessToken) -> frozenset[str]:
    """Groups whose admin roles the token holds, plus the bundle groups of its platforms."""
    return _admin_scope(token)[1]


def _admin_scope(token: AccessToken) -> tuple[frozenset[PlatformEnum], frozenset[str]]:
    """Per request, and per set of role names until a link, role, platform or group changes
    (aai.caching): a hot path, every admin call asks."""
    request_values = request_cache()
    if "admin_scope" not in request_values:
        request_values["admin_scope"] = cache("scopes").get_or_compute(
            token.roles, lambda: _scope_of_roles(token.roles)
        )
    return request_values["admin_scope"]


def _scope_of_roles(roles: frozenset[str]) -> tuple[frozenset[PlatformEnum], frozenset[str]]:
    platform_query = (
        select(Platform.id)
        .join(PlatformRoleLink, PlatformRoleLink.platform_id == Platform.id)
        .join(Auth0Role, Auth0Role.id == PlatformRoleLink.role_id)
        .where(
            Platform.active(),
            PlatformRoleLink.active(),
            Auth0Role.active(),
            Auth0Role.name.in_(roles),
        )
    )
    platform_ids = frozenset(db.session.scalars(platform_query))
    bundle_groups = [PLATFORM_BUNDLE_GROUPS[p] for p in platform_ids if p in PLATFORM_BUNDLE_GROUPS]
    linked = (
        select(GroupRoleLink.group_id)
        .join(Auth0Role, Auth0Role.id == GroupRoleLink.role_id)
        .where(GroupRoleLink.active(), Auth0Role.active(), Auth0Role.name.in_(roles))
    )
    group_query = select(BiocommonsGroup.group_id).where(
        BiocommonsGroup.active(),
        BiocommonsGroup.group_id.in_(linked) | BiocommonsGroup.group_id.in_(bundle_groups),
    )
    return platform_ids, frozenset(db.session.scalars(group_query))


def token_holds_admin_role(token: AccessToken) -> bool:
    """BioCommons admin, or holding any platform or group admin role (the token's word only)."""
    if is_biocommons_admin(token):
        return True
    return bool(administered_platform_ids(token) or administered_group_ids(token))


def is_general_admin(token: AccessToken) -> bool:
    """The answer of `/me/is-general-admin` (the portal's menu): BioCommons admin by the token
    alone, as the original (portal contract #4); else a known user holding any platform or group
    admin role. The gates below ask more: a live account for every admin (D16)."""
    if is_biocommons_admin(token):
        return True
    # The (cached) admin scope first: most callers hold no admin role and need no user lookup.
    return token_holds_admin_role(token) and current_user() is not None


def require_general_admin() -> AccessToken:
    """The caller's token, if they may use the admin pages: the gate of `/admin`, checked once
    per request (the per-resource checks below ask again and get the same answer)."""
    values = request_cache()
    if "general_admin" not in values:
        token = current_token()
        if not token_holds_admin_role(token):
            raise ForbiddenError(NOT_AN_ADMIN)
        acting_admin()
        values["general_admin"] = token
    return values["general_admin"]


def require_biocommons_admin() -> AccessToken:
    """The gate of `/biocommons-admin`: a BioCommons admin role and a live account."""
    token = current_token()
    if not is_biocommons_admin(token):
        raise ForbiddenError(NOT_AN_ADMIN)
    acting_admin()
    return token


def acting_admin() -> BiocommonsUser:
    """The caller's live database row: the actor that every admin write records. Without one
    (deleted, blocked in Auth0 and synced, or never synced) the caller has no authority."""
    user = current_user()
    if user is None:
        raise ForbiddenError(NO_LIVE_ACCOUNT)
    return user


def is_live_account(user_id: str) -> bool:
    """Whether `user_id` (a dashboard login's `sub`) has a live database row."""
    user = db.session.get(BiocommonsUser, user_id)
    return user is not None and not user.is_deleted


def find_platform(platform_id: str) -> Platform:
    """The live platform with this API id (e.g. `galaxy`), else 404."""
    try:
        platform = db.session.get(Platform, PlatformEnum(platform_id))
    except ValueError:
        platform = None
    if platform is None or platform.is_deleted:
        raise NotFoundError(f"Platform '{platform_id}' not found")
    return platform


def require_platform_admin(platform_id: str) -> Platform:
    token = require_general_admin()
    platform = find_platform(platform_id)
    if platform.id not in administered_platform_ids(token):
        raise ForbiddenError(CANNOT_MANAGE_PLATFORM)
    return platform


def require_group_admin(group_id: str) -> BiocommonsGroup:
    token = require_general_admin()
    group = db.session.get(BiocommonsGroup, group_id)
    if group is None or group.is_deleted:
        raise NotFoundError(f"Group {group_id} not found in database")
    if group.group_id not in administered_group_ids(token):
        raise ForbiddenError(CANNOT_MANAGE_GROUP)
    return group


def find_live_user(user_id: str) -> BiocommonsUser:
    """The live user with this id, else 404."""
    user = db.session.get(BiocommonsUser, user_id)
    if user is None or user.is_deleted:
        raise NotFoundError(f"User '{user_id}' not found")
    return user


def require_user_admin(user_id: str) -> BiocommonsUser:
    """The target user, if the caller administers one of their platforms or groups: the rule
    for *reading* a user. Any membership status counts, so an admin sees pending and revoked
    requests; account actions ask `aai.access.authority.may_act_on_account` instead.
    """
    token = require_general_admin()
    user = find_live_user(user_id)
    if not _administers_user(token, user_id):
        raise ForbiddenError(CANNOT_MANAGE_USER)
    return user


def _administers_user(token: AccessToken, user_id: str) -> bool:
    on_platform = exists().where(
        PlatformMembership.user_id == user_id,
        PlatformMembership.active(),
        PlatformMembership.platform_id.in_(administered_platform_ids(token)),
    )
    in_group = exists().where(
        GroupMembership.user_id == user_id,
        GroupMembership.active(),
        GroupMembership.group_id.in_(administered_group_ids(token)),
    )
    return bool(db.session.scalar(select(on_platform | in_group)))
