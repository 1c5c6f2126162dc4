"""The admin user lists (30 §2.1): which users an admin sees, every filter, pages and counts.

One set of criteria serves the list, `pages` and `counts`, so their answers always agree. Users
are ordered by id: unique and stable (infinite scroll never repeats or skips a user), served by
the live-row indexes of migration c41d7a9e2b56, and for Auth0 database users (ids embedding a
creation timestamp) roughly sign-up order. A page costs one query for its users and one per
membership kind (no N+1).
"""

from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from aai.auth import AccessToken
from aai.caching import cache
from aai.errors import ApiError, NotFoundError
from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    Platform,
    PlatformEnum,
    PlatformMembership,
)
from aai.permissions import administered_group_ids, administered_platform_ids

# `filter_by` keys: the portal's filter options (GET /admin/filters) plus the SBP bundle.
GROUP_FILTERS = {
    "tsi": "biocommons/group/tsi",
    "sbp_workflow_execution": "biocommons/group/sbp_workflow_execution",
}
PLATFORM_FILTERS = {platform.value: platform for platform in PlatformEnum}
FILTER_OPTIONS = (
    {"id": "galaxy", "name": "Galaxy Australia"},
    {"id": "bpa_data_portal", "name": "Bioplatforms Australia Data Portal"},
    {"id": "sbp", "name": "Structural Biology Platform"},
    {"id": "tsi", "name": "Threatened Species Initiative"},
)
AUTOMATIC = "(automatic)"
# Far beyond any real offset, small enough for every database's integer OFFSET.
MAX_OFFSET = 2**53
LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class Scope:
    """The platforms and groups an admin manages (30 §1 "AP" and "AG")."""

    platform_ids: frozenset[PlatformEnum]
    group_ids: frozenset[str]

    @classmethod
    def of(cls, token: AccessToken) -> "Scope":
        return cls(administered_platform_ids(token), administered_group_ids(token))


@dataclass(frozen=True)
class UserFilters:
    """The query parameters of 30 §2.1 (all optional)."""

    approval_status: ApprovalStatusEnum | None = None
    platform: PlatformEnum | None = None
    platform_approval_status: ApprovalStatusEnum | None = None
    group: str | None = None
    group_approval_status: ApprovalStatusEnum | None = None
    email_verified: bool | None = None
    filter_by: str | None = None
    search: str | None = None

    @property
    def filter_platform(self) -> PlatformEnum | None:
        return PLATFORM_FILTERS.get(self.filter_by or "")

    @property
    def filter_group(self) -> str | None:
        return GROUP_FILTERS.get(self.filter_by or "")

    @property
    def platform_scoped(self) -> bool:
        return bool(self.platform or self.platform_approval_status or self.filter_platform)

    @property
    def group_scoped(self) -> bool:
        return bool(self.group or self.group_approval_status or self.filter_group)


# Shortcut lists (GET /admin/users/approved...): pagination only, fixed filters.
CANNED_FILTERS = {
    "approved": UserFilters(platform_approval_status=ApprovalStatusEnum.APPROVED),
    "pending": UserFilters(approval_status=ApprovalStatusEnum.PENDING),
    "revoked": UserFilters(approval_status=ApprovalStatusEnum.REVOKED),
    "unverified": UserFilters(email_verified=False),
}


def check_filters(filters: UserFilters) -> None:
    """The original's 400s, then its 404s for a platform or group missing from the database."""
    if filters.approval_status and (
        filters.platform_approval_status or filters.group_approval_status
    ):
        raise ApiError(
            "approval_status cannot be used with platform_approval_status or group_approval_status"
        )
    if filters.filter_by and not (filters.filter_platform or filters.filter_group):
        raise ApiError(f"Invalid filter_by value '{filters.filter_by}'")
    for group_id, shown in (
        (filters.group, filters.group),
        (filters.filter_group, filters.filter_by),
    ):
        if group_id and not _exists(BiocommonsGroup, BiocommonsGroup.group_id == group_id):
            raise NotFoundError(f"Group '{shown}' not found")
    for platform in (filters.platform, filters.filter_platform):
        if platform and not _exists(Platform, Platform.id == platform):
            raise NotFoundError(f"Platform '{platform.value}' not found")


def _exists(model, criterion) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(criterion, model.active())))


# --- criteria --------------------------------------------------------------------------------


def _platform_membership(*criteria) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        PlatformMembership.user_id == BiocommonsUser.id, PlatformMembership.active(), *criteria
    )


def _group_membership(*criteria) -> sa.ColumnElement[bool]:
    return sa.exists().where(
        GroupMembership.user_id == BiocommonsUser.id, GroupMembership.active(), *criteria
    )


def _in_scope(scope: Scope, status: ApprovalStatusEnum | None = None) -> sa.ColumnElement[bool]:
    """A membership (with this status) on a platform or group the admin manages.

    Empty sets are left out rather than rendered as `IN ()`, so the planner sees one EXISTS.
    """
    alternatives = []
    if scope.platform_ids:
        criteria = [PlatformMembership.platform_id.in_(sorted(scope.platform_ids, key=str))]
        if status:
            criteria.append(PlatformMembership.approval_status == status)
        alternatives.append(_platform_membership(*criteria))
    if scope.group_ids:
        criteria = [GroupMembership.group_id.in_(sorted(scope.group_ids))]
        if status:
            criteria.append(GroupMembership.approval_status == status)
        alternatives.append(_group_membership(*criteria))
    return sa.or_(*alternatives) if alternatives else sa.false()


def _platform_criteria(scope: Scope, filters: UserFilters) -> list[sa.ColumnElement[bool]]:
    """Visibility plus the platform filters (30 §2.1 steps 1 and 2)."""
    status = filters.platform_approval_status
    if filters.platform_scoped and not filters.group_scoped:
        # All on the same membership row, which must be on a platform the admin manages.
        same_row = [PlatformMembership.platform_id.in_(sorted(scope.platform_ids, key=str))]
        same_row += [
            PlatformMembership.platform_id == platform
            for platform in (filters.platform, filters.filter_platform)
            if platform
        ]
        if status:
            same_row.append(PlatformMembership.approval_status == status)
        return [_platform_membership(*same_row) if scope.platform_ids else sa.false()]
    criteria = [_in_scope(scope)]
    if filters.platform:
        same_row = [PlatformMembership.platform_id == filters.platform]
        if status:
            same_row.append(PlatformMembership.approval_status == status)
        criteria.append(_platform_membership(*same_row))
    elif status:
        criteria.append(_in_scope(Scope(scope.platform_ids, frozenset()), status))
    if filters.filter_platform:
        criteria.append(
            _platform_membership(PlatformMembership.platform_id == filters.filter_platform)
        )
    return criteria


def _group_criteria(filters: UserFilters) -> list[sa.ColumnElement[bool]]:
    # Not restricted to the admin's groups, so a platform admin can filter their users by group.
    criteria = [
        _group_membership(GroupMembership.group_id == group_id)
        for group_id in (filters.group, filters.filter_group)
        if group_id
    ]
    if filters.group_approval_status:
        criteria.append(
            _group_membership(GroupMembership.approval_status == filters.group_approval_status)
        )
    return criteria


def _search_criterion(search: str) -> sa.ColumnElement[bool]:
    """Substring match, case-insensitive; LIKE wildcards in the term match literally."""
    term = search.strip().lower()
    escaped = "".join(LIKE_ESCAPE + char if char in "%_\\" else char for char in term)
    pattern = f"%{escaped}%"
    by_email = BiocommonsUser.email.ilike(pattern, escape=LIKE_ESCAPE)
    if "@" in term:
        return by_email
    return sa.or_(BiocommonsUser.username.ilike(pattern, escape=LIKE_ESCAPE), by_email)


def user_criteria(scope: Scope, filters: UserFilters) -> list[sa.ColumnElement[bool]]:
    """Every condition a listed user meets. The calling admin is included (portal §6.5)."""
    criteria = [BiocommonsUser.active(), *_platform_criteria(scope, filters)]
    if filters.approval_status:
        criteria.append(_in_scope(scope, filters.approval_status))
    criteria += _group_criteria(filters)
    if filters.email_verified is not None:
        criteria.append(BiocommonsUser.email_verified.is_(filters.email_verified))
    if filters.search and filters.search.strip():
        criteria.append(_search_criterion(filters.search))
    return criteria


# --- queries ---------------------------------------------------------------------------------


def count_query(scope: Scope, filters: UserFilters) -> sa.Select:
    return sa.select(sa.func.count(BiocommonsUser.id)).where(*user_criteria(scope, filters))


def count_users(scope: Scope, filters: UserFilters) -> int:
    # Counting visits every matching user; totals are cached briefly (aai.caching).
    return cache("counts").get_or_compute(
        ("total", scope, filters), lambda: db.session.scalar(count_query(scope, filters))
    )


def page_info(scope: Scope, filters: UserFilters, per_page: int) -> dict:
    total = count_users(scope, filters)
    return {"total": total, "pages": -(-total // per_page), "per_page": per_page}


def counts(scope: Scope, filters: UserFilters) -> dict:
    """The navbar badges: the caller's filters with one override each, in one query."""
    cleared = replace(filters, platform_approval_status=None, group_approval_status=None)
    pending = replace(cleared, approval_status=ApprovalStatusEnum.PENDING)
    revoked = replace(cleared, approval_status=ApprovalStatusEnum.REVOKED)
    if len(scope.platform_ids) == 1 and not scope.group_ids:
        # A single-platform admin's revoked page lists platform revocations only.
        revoked = replace(
            cleared, approval_status=None, platform_approval_status=ApprovalStatusEnum.REVOKED
        )
    variants = {
        "all": filters,
        "pending": pending,
        "revoked": revoked,
        "unverified": replace(filters, email_verified=False),
    }
    query = sa.select(
        *(
            count_query(scope, variant).scalar_subquery().label(name)
            for name, variant in variants.items()
        )
    )
    return cache("counts").get_or_compute(
        ("badges", scope, filters), lambda: dict(db.session.execute(query).one()._mapping)
    )


def users_page(scope: Scope, filters: UserFilters, page: int, per_page: int) -> list[dict]:
    """One page of users in id order, each with all their live memberships (JSON-ready)."""
    offset = min((page - 1) * per_page, MAX_OFFSET)
    # The page's ids come from the indexes alone; only those rows are then read.
    page_ids = (
        sa.select(BiocommonsUser.id)
        .where(*user_criteria(scope, filters))
        .order_by(BiocommonsUser.id)
        .limit(per_page)
        .offset(offset)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(*USER_COLUMNS)
        .join(page_ids, page_ids.c.id == BiocommonsUser.id)
        .order_by(BiocommonsUser.id)
    )
    return users_with_memberships([_user_json(*row) for row in rows])


USER_COLUMNS = (
    BiocommonsUser.id,
    BiocommonsUser.email,
    BiocommonsUser.username,
    BiocommonsUser.email_verified,
    BiocommonsUser.created_at,
)


def _user_json(user_id, email, username, email_verified, created_at) -> dict:
    return {
        "id": user_id,
        "email": email,
        "username": username,
        "email_verified": email_verified,
        "created_at": created_at.isoformat(),
    }


def user_with_memberships(user: BiocommonsUser) -> dict:
    """One user (e.g. GET /admin/users/<id>) in the list's shape."""
    values = (getattr(user, column.key) for column in USER_COLUMNS)
    return users_with_memberships([_user_json(*values)])[0]


def users_with_memberships(users: list[dict]) -> list[dict]:
    """Attach every live membership to each user: one query per membership kind.

    The answers are built as JSON-ready dicts here (the schemas in aai.api.admin_schemas
    document them, and the tests check them against those schemas): marshmallow would spend
    more time dumping a page of a hundred users than the database spends finding them.
    """
    ids = [user["id"] for user in users]
    platforms = platform_memberships_of(ids)
    groups = group_memberships_of(ids)
    for user in users:
        user["platform_memberships"] = platforms.get(user["id"], [])
        user["group_memberships"] = groups.get(user["id"], [])
    return users


_updater = aliased(BiocommonsUser, name="updater")
PLATFORM_MEMBERSHIPS = (
    sa.select(
        PlatformMembership.id,
        PlatformMembership.platform_id,
        Platform.name,
        PlatformMembership.user_id,
        PlatformMembership.approval_status,
        _updater.email,
        PlatformMembership.updated_at,
        PlatformMembership.revocation_reason,
        PlatformMembership.rejection_reason,
        PlatformMembership.request_reason,
    )
    .join(Platform, Platform.id == PlatformMembership.platform_id)
    .outerjoin(_updater, _updater.id == PlatformMembership.updated_by_id)
    .where(
        PlatformMembership.user_id.in_(sa.bindparam("user_ids", expanding=True)),
        PlatformMembership.active(),
        Platform.active(),
    )
    .order_by(PlatformMembership.user_id, Platform.name)
)
GROUP_MEMBERSHIPS = (
    sa.select(
        GroupMembership.id,
        GroupMembership.group_id,
        BiocommonsGroup.name,
        BiocommonsGroup.short_name,
        GroupMembership.user_id,
        GroupMembership.approval_status,
        _updater.email,
        GroupMembership.updated_at,
        GroupMembership.revocation_reason,
        GroupMembership.rejection_reason,
        GroupMembership.request_reason,
        GroupMembership.requested_at,
    )
    .join(BiocommonsGroup, BiocommonsGroup.group_id == GroupMembership.group_id)
    .outerjoin(_updater, _updater.id == GroupMembership.updated_by_id)
    .where(
        GroupMembership.user_id.in_(sa.bindparam("user_ids", expanding=True)),
        GroupMembership.active(),
        BiocommonsGroup.active(),
    )
    .order_by(GroupMembership.user_id, BiocommonsGroup.name)
)


def platform_memberships_of(user_ids: list[str]) -> dict[str, list[dict]]:
    """Live memberships of live platforms, per user, in platform-name order."""
    by_user: dict[str, list[dict]] = {}
    if not user_ids:
        return by_user
    rows = db.session.execute(PLATFORM_MEMBERSHIPS, {"user_ids": user_ids})
    for id_, platform, name, user_id, status, updater, updated_at, revoked, rejected, asked in rows:
        by_user.setdefault(user_id, []).append(
            {
                "id": str(id_),
                "platform_id": platform.value,
                "platform_name": name,
                "user_id": user_id,
                "approval_status": status.value,
                "updated_by": updater or AUTOMATIC,
                "updated_at": updated_at.isoformat(),
                "revocation_reason": revoked,
                "rejection_reason": rejected,
                "request_reason": asked,
            }
        )
    return by_user


def group_memberships_of(user_ids: list[str]) -> dict[str, list[dict]]:
    """Live memberships of live groups, per user, in group-name order."""
    by_user: dict[str, list[dict]] = {}
    if not user_ids:
        return by_user
    rows = db.session.execute(GROUP_MEMBERSHIPS, {"user_ids": user_ids})
    for row in rows:
        (id_, group_id, name, short_name, user_id, status, updater, updated_at) = row[:8]
        revoked, rejected, asked, requested_at = row[8:]
        by_user.setdefault(user_id, []).append(
            {
                "id": str(id_),
                "group_id": group_id,
                "group_name": name,
                "group_short_name": short_name,
                "user_id": user_id,
                "approval_status": status.value,
                "updated_by": updater or AUTOMATIC,
                "updated_at": updated_at.isoformat(),
                "revocation_reason": revoked,
                "rejection_reason": rejected,
                "request_reason": asked,
                "requested_at": requested_at.isoformat() if requested_at else None,
            }
        )
    return by_user
