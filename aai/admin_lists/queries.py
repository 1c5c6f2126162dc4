"""The admin user lists (30 §2.1): which users an admin sees, every filter, pages and counts.

One set of criteria serves the list, `pages` and `counts`, so their answers always agree. Users
are ordered by id: unique and stable (infinite scroll never repeats or skips a user), served by
the live-row indexes of migration c41d7a9e2b56, and for Auth0 database users (ids embedding a
creation timestamp) roughly sign-up order. A page costs one statement, which also writes the
page's JSON (aai.admin_lists.sql_json): no N+1, and no Python work per value.

The statements start from the membership indexes, not from each user: the users of one platform
or group (with a status) are a range of an index in user id order, which PostgreSQL merges with
the live users' index for a page, and counts from the index alone for a total (docs/decisions.md
65). Every cached answer is missed after any write (aai.caching), so these cold costs are the
ones most calls pay.
"""

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from aai.admin_lists.prepared import PreparedSelect
from aai.admin_lists.sql_json import enum_value, iso_utc, json_rows, uuid_text
from aai.caching import cache
from aai.errors import ApiError, NotFoundError
from aai.extensions import db
from aai.identity.permissions import administered_group_ids, administered_platform_ids
from aai.identity.tokens import AccessToken
from aai.models import (
    USER_SEARCH_TEXT,
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    Platform,
    PlatformEnum,
    PlatformMembership,
)

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
# Pages from this offset on start after a remembered id (users_page); the first ten portal
# pages are always read afresh.
DEEP_OFFSET = 500
# Built list statements kept per process (one per admin scope, filter shape and page in use).
STATEMENTS_KEPT = 256


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
    def searching(self) -> bool:
        """An empty or blank term matches everyone (30 §2.1)."""
        return bool(self.search and self.search.strip())

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
    if not (filters.group or filters.filter_group or filters.platform or filters.filter_platform):
        return
    live_platforms, live_groups = _live_platforms_and_groups()
    for group_id, shown in (
        (filters.group, filters.group),
        (filters.filter_group, filters.filter_by),
    ):
        if group_id and group_id not in live_groups:
            raise NotFoundError(f"Group '{shown}' not found")
    for platform in (filters.platform, filters.filter_platform):
        if platform and platform not in live_platforms:
            raise NotFoundError(f"Platform '{platform.value}' not found")


def _live_platforms_and_groups() -> tuple[frozenset[PlatformEnum], frozenset[str]]:
    """Ids of the live platforms and groups (a handful), cached until one changes."""

    def query() -> tuple[frozenset[PlatformEnum], frozenset[str]]:
        platforms = db.session.scalars(sa.select(Platform.id).where(Platform.active()))
        groups = db.session.scalars(
            sa.select(BiocommonsGroup.group_id).where(BiocommonsGroup.active())
        )
        return frozenset(platforms), frozenset(groups)

    return cache("scopes").get_or_compute("live platforms and groups", query)


# --- criteria --------------------------------------------------------------------------------

# Users after this id ('' by default: everyone). A deep page passes the last id before it
# (keyset paging, see users_page). It is repeated in every membership subquery because
# PostgreSQL does not carry a range across a join: each membership index scan can then start
# there too.
AFTER_ID = sa.bindparam("after_id", type_=sa.String)
SEARCH_PATTERN = sa.bindparam("search_pattern", type_=sa.String)


def _platform_membership(*criteria) -> sa.ColumnElement[bool]:
    return sa.exists(_memberships(PlatformMembership, *criteria))


def _group_membership(*criteria) -> sa.ColumnElement[bool]:
    return sa.exists(_memberships(GroupMembership, *criteria))


def _memberships(model: type[PlatformMembership | GroupMembership], *criteria) -> sa.Select:
    """The listed user's live memberships of this kind meeting `criteria`."""
    return (
        sa.select(sa.literal(1))
        .where(model.user_id == BiocommonsUser.id, model.user_id > AFTER_ID, model.active())
        .where(*criteria)
        .correlate(BiocommonsUser)
    )


@dataclass(frozen=True)
class MembershipRange:
    """The live memberships of one platform or group, of one status if given: a range of
    ix_*_live_*_status_user (or ix_platformmembership_live_platform_user) in user id order."""

    model: type[PlatformMembership | GroupMembership]
    item: PlatformEnum | str
    status: ApprovalStatusEnum | None = None

    def criteria(self) -> list[sa.ColumnElement[bool]]:
        item_column = (
            PlatformMembership.platform_id
            if self.model is PlatformMembership
            else GroupMembership.group_id
        )
        criteria = [item_column == self.item, self.model.active()]
        if self.status:
            criteria.append(self.model.approval_status == self.status)
        return criteria

    def user_ids(self) -> sa.Select:
        return sa.select(self.model.user_id).where(*self.criteria(), self.model.user_id > AFTER_ID)

    def has_member(self) -> sa.ColumnElement[bool]:
        """The listed user is in the range: a semi-join PostgreSQL can drive from the range
        (a correlated EXISTS per user costs a probe for each of 100,000 users)."""
        return BiocommonsUser.id.in_(self.user_ids())


def _scope_ranges(scope: Scope, status: ApprovalStatusEnum | None) -> list[MembershipRange]:
    """One range per platform and group the admin manages."""
    ranges = [
        MembershipRange(PlatformMembership, platform, status)
        for platform in sorted(scope.platform_ids, key=str)
    ]
    ranges += [MembershipRange(GroupMembership, group, status) for group in sorted(scope.group_ids)]
    return ranges


def _same_row_platforms(scope: Scope, filters: UserFilters) -> list[PlatformEnum]:
    """The managed platforms a platform-scoped query's membership row may be on."""
    wanted = {platform for platform in (filters.platform, filters.filter_platform) if platform}
    return [platform for platform in sorted(scope.platform_ids, key=str) if wanted <= {platform}]


def _in_scope(
    scope: Scope, status: ApprovalStatusEnum | None = None, counting: bool = False
) -> sa.ColumnElement[bool]:
    """A membership (with this status) on a platform or group the admin manages.

    Empty sets are left out rather than rendered as `IN ()`. One platform or group: a semi-join
    on its range. Several: one EXISTS over UNION ALL, probed per user in id order, which stops
    at a page's last user (1 ms for a pending page of an admin of everything, where hashing
    every pending membership takes 30-100 ms) and costs little when other filters leave few
    users. `counting` every user the scope holds (nothing else narrows them) probes 100,000
    users; hashing the memberships halves that: the ranges' user ids when a status keeps them
    few, else PostgreSQL's hashed alternatives (EXISTS ... OR EXISTS ...).
    """
    ranges = _scope_ranges(scope, status)
    if len(ranges) <= 1:
        return ranges[0].has_member() if ranges else sa.false()
    if counting and status:
        user_ids = sa.union_all(*(members.user_ids() for members in ranges))
        return BiocommonsUser.id.in_(user_ids)
    alternatives = []
    if scope.platform_ids:
        criteria: list[sa.ColumnElement[bool]] = [
            PlatformMembership.platform_id.in_(sorted(scope.platform_ids, key=str))
        ]
        if status:
            criteria.append(PlatformMembership.approval_status == status)
        alternatives.append(_memberships(PlatformMembership, *criteria))
    if scope.group_ids:
        criteria = [GroupMembership.group_id.in_(sorted(scope.group_ids))]
        if status:
            criteria.append(GroupMembership.approval_status == status)
        alternatives.append(_memberships(GroupMembership, *criteria))
    if len(alternatives) == 1:
        return sa.exists(alternatives[0])
    if counting:
        return sa.or_(*(sa.exists(alternative) for alternative in alternatives))
    return sa.exists().select_from(sa.union_all(*alternatives).subquery())


def _platform_criteria(
    scope: Scope, filters: UserFilters, counting: bool
) -> list[sa.ColumnElement[bool]]:
    """Visibility, approval_status and the platform filters (30 §2.1 steps 1 and 2)."""
    status = filters.platform_approval_status
    if filters.platform_scoped and not filters.group_scoped:
        # All on the same membership row, which must be on a platform the admin manages.
        criteria = [_same_row_membership(scope, filters)]
        if filters.approval_status:
            criteria.append(_in_scope(scope, filters.approval_status, counting))
        return criteria
    # A membership in scope with the approval_status asked for is also the one that makes
    # the user visible: one condition, not two.
    criteria = [_in_scope(scope, filters.approval_status, counting)]
    if filters.platform:
        same_row = [PlatformMembership.platform_id == filters.platform]
        if status:
            same_row.append(PlatformMembership.approval_status == status)
        criteria.append(_platform_membership(*same_row))
    elif status:
        criteria.append(_in_scope(Scope(scope.platform_ids, frozenset()), status, counting))
    if filters.filter_platform:
        criteria.append(
            _platform_membership(PlatformMembership.platform_id == filters.filter_platform)
        )
    return criteria


def _same_row_membership(scope: Scope, filters: UserFilters) -> sa.ColumnElement[bool]:
    """A membership on a managed platform meeting every platform filter on the same row."""
    status = filters.platform_approval_status
    platforms = _same_row_platforms(scope, filters)
    if len(platforms) == 1:
        return MembershipRange(PlatformMembership, platforms[0], status).has_member()
    if not scope.platform_ids:
        return sa.false()
    same_row: list[sa.ColumnElement[bool]] = [
        PlatformMembership.platform_id.in_(sorted(scope.platform_ids, key=str))
    ]
    same_row += [
        PlatformMembership.platform_id == platform
        for platform in (filters.platform, filters.filter_platform)
        if platform
    ]
    if status:
        same_row.append(PlatformMembership.approval_status == status)
    return _platform_membership(*same_row)


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
    """Substring match of SEARCH_PATTERN, case-insensitive: on the email alone when the term
    holds an @, else on the username or the email."""
    if "@" in search:
        return BiocommonsUser.email.ilike(SEARCH_PATTERN, escape=LIKE_ESCAPE)
    if " " not in search:
        # A match in "username email" (one trigram index, models.USER_SEARCH_TEXT) is a match
        # in one of the two: without a space the term cannot span the joining space.
        return USER_SEARCH_TEXT.ilike(SEARCH_PATTERN, escape=LIKE_ESCAPE)
    return sa.or_(
        BiocommonsUser.username.ilike(SEARCH_PATTERN, escape=LIKE_ESCAPE),
        BiocommonsUser.email.ilike(SEARCH_PATTERN, escape=LIKE_ESCAPE),
    )


def _search_pattern(search: str | None) -> str:
    """The LIKE pattern of a search term; LIKE wildcards in the term match literally."""
    term = (search or "").strip().lower()
    return "%" + "".join(LIKE_ESCAPE + char if char in "%_\\" else char for char in term) + "%"


def criteria_parameters(filters: UserFilters, after_id: str = "") -> dict:
    """The values of the parameters in user_criteria's SQL."""
    return {"search_pattern": _search_pattern(filters.search), "after_id": after_id}


def statement_shape(filters: UserFilters) -> UserFilters:
    """The filters with the search term cut to what shapes the SQL (its text is a parameter),
    so built statements can be reused for every term."""
    term = (filters.search or "").strip()
    if not term:
        return replace(filters, search=None)
    return replace(filters, search="@" if "@" in term else "a b" if " " in term else "a")


def user_criteria(
    scope: Scope, filters: UserFilters, counting: bool = False
) -> list[sa.ColumnElement[bool]]:
    """Every condition a listed user meets. The calling admin is included (portal §6.5).
    `counting`: the forms best for visiting every such user rather than the first few."""
    criteria = [
        BiocommonsUser.active(),
        BiocommonsUser.id > AFTER_ID,
        *_platform_criteria(scope, filters, counting),
        *_group_criteria(filters),
    ]
    if filters.email_verified is not None:
        criteria.append(BiocommonsUser.email_verified.is_(filters.email_verified))
    if filters.search and filters.searching:
        criteria.append(_search_criterion(filters.search))
    return criteria


# --- queries ---------------------------------------------------------------------------------


def count_query(scope: Scope, filters: UserFilters) -> sa.Select:
    if filters.email_verified is False:
        members = _sole_range(scope, replace(filters, email_verified=None))
        if members is not None:
            return _unverified_range_count(members)
    sole_range = _sole_range(scope, filters)
    if sole_range is not None:
        return _range_count(sole_range)
    criteria = user_criteria(scope, filters, counting=not _narrowed(filters))
    return sa.select(sa.func.count(BiocommonsUser.id)).where(*criteria)


def _narrowed(filters: UserFilters) -> bool:
    """Whether a filter other than the approval status leaves only some of the scope's users."""
    scoped = filters.platform_scoped or filters.group_scoped
    return filters.searching or scoped or filters.email_verified is not None


def _sole_range(scope: Scope, filters: UserFilters) -> MembershipRange | None:
    """The one membership range whose live users are exactly the listed ones, if the filters
    ask for nothing else (a one-platform or one-group admin's totals and most of its counts)."""
    if filters.searching or filters.email_verified is not None or filters.group_scoped:
        return None
    if filters.platform_scoped:
        platforms = _same_row_platforms(scope, filters)
        if filters.approval_status or len(platforms) != 1:
            return None
        return MembershipRange(PlatformMembership, platforms[0], filters.platform_approval_status)
    ranges = _scope_ranges(scope, filters.approval_status)
    return ranges[0] if len(ranges) == 1 else None


def _range_count(members: MembershipRange) -> sa.Select:
    """The range's live users: its memberships (one per user and item, by the unique
    constraints) less those of deleted users. Both counts come from indexes alone: the first
    from migration 4b7e2d9a6c15's small index, the second from the ~1 % deleted users'
    memberships (their ids from migration 7e1c4a9d3b58's index), where an anti-join would
    probe or hash every user id of the range."""
    model = members.model
    memberships = sa.select(sa.func.count()).select_from(model).where(*members.criteria())
    of_deleted_users = (
        sa.select(sa.func.count())
        .select_from(model)
        .join(BiocommonsUser, BiocommonsUser.id == model.user_id)
        .where(*members.criteria(), BiocommonsUser.is_deleted.is_(True))
    )
    return sa.select(memberships.scalar_subquery() - of_deleted_users.scalar_subquery())


class byte_order(FunctionElement):  # noqa: N801 - used like the SQL it renders
    """A user id compared in byte order (COLLATE "C") on PostgreSQL, where the database's
    collation would call strcoll for each comparison; SQLite compares bytes already."""

    type = sa.String()
    inherit_cache = True


@compiles(byte_order)
def _byte_order(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(column, **kw)


@compiles(byte_order, "postgresql")
def _pg_byte_order(element, compiler, **kw):
    return f'({_byte_order(element, compiler, **kw)} COLLATE "C")'


def _unverified_range_count(members: MembershipRange) -> sa.Select:
    """The range's live unverified users: its memberships merged, in byte order, with the live
    unverified users (migration 7e1c4a9d3b58's indexes hold both in that order). Equal ids are
    equal in any order; the database collation's order would cost a strcoll per comparison,
    and hashing the users instead reads each membership's row."""
    model = members.model
    return (
        sa.select(sa.func.count())
        .select_from(model)
        .join(BiocommonsUser, byte_order(BiocommonsUser.id) == byte_order(model.user_id))
        .where(
            *members.criteria(),
            BiocommonsUser.email_verified.is_(False),
            BiocommonsUser.active(),
        )
    )


def count_users(scope: Scope, filters: UserFilters) -> int:
    # Totals are cached until a user or membership changes (aai.caching).
    def count() -> int:
        return _count_row(count_query, scope, filters)[0]

    key, roster_only = ("total", scope, filters), reads_roster_only(statement_shape(filters))
    return cache("counts").get_or_compute(key, count, roster_only=roster_only)


def page_info(scope: Scope, filters: UserFilters, per_page: int) -> dict:
    total = count_users(scope, filters)
    return {"total": total, "pages": -(-total // per_page), "per_page": per_page}


CountQuery = Callable[[Scope, UserFilters], sa.Select]


def reads_roster_only(filters: UserFilters) -> bool:
    """Whether a count with these filters reads only who is a live member of what and which
    users are live and verified (no approval status, no search): it then holds for a roster
    version, across approvals and revocations (aai.caching)."""
    statuses = (
        filters.approval_status,
        filters.platform_approval_status,
        filters.group_approval_status,
    )
    return not filters.search and all(status is None for status in statuses)


def counts(scope: Scope, filters: UserFilters) -> dict:
    """The navbar badges: the caller's filters with one override each. Those that read the
    roster only (`all` and `unverified` unless the caller filters by status or searches) are
    counted and kept apart from the others, so an approval or a revocation costs only the
    status badges (docs/decisions.md 74)."""
    badges = _badge_filters(scope, statement_shape(filters))  # as _badges_query sees them
    kinds = {reads_roster_only(variant) for variant in badges.values()}
    answer: dict = {}
    for roster_only, query in ((True, _roster_badges_query), (False, _status_badges_query)):
        if roster_only in kinds:
            answer |= _cached_badges(query, scope, filters, roster_only)
    return {name: answer[name] for name in badges}  # the portal's order


def _cached_badges(
    query: CountQuery, scope: Scope, filters: UserFilters, roster_only: bool
) -> dict:
    def count() -> dict:
        return dict(_count_row(query, scope, filters)._mapping)

    key = (query.__name__, scope, filters)
    return cache("counts").get_or_compute(key, count, roster_only=roster_only)


def _roster_badges_query(scope: Scope, filters: UserFilters) -> sa.Select:
    return _badges_query(scope, filters, roster_only=True)


def _status_badges_query(scope: Scope, filters: UserFilters) -> sa.Select:
    return _badges_query(scope, filters, roster_only=False)


def _badges_query(scope: Scope, filters: UserFilters, roster_only: bool) -> sa.Select:
    """The badges that read the roster only, or the others, one column each."""
    badges = _badge_filters(scope, filters)
    return sa.select(
        *(
            count_query(scope, variant).scalar_subquery().label(name)
            for name, variant in badges.items()
            if reads_roster_only(variant) == roster_only
        )
    )


def _badge_filters(scope: Scope, filters: UserFilters) -> dict[str, UserFilters]:
    """The four badges of `counts` and the filters each counts."""
    cleared = replace(filters, platform_approval_status=None, group_approval_status=None)
    pending = replace(cleared, approval_status=ApprovalStatusEnum.PENDING)
    revoked = replace(cleared, approval_status=ApprovalStatusEnum.REVOKED)
    if len(scope.platform_ids) == 1 and not scope.group_ids:
        # A single-platform admin's revoked page lists platform revocations only.
        revoked = replace(
            cleared, approval_status=None, platform_approval_status=ApprovalStatusEnum.REVOKED
        )
    return {
        "all": filters,
        "pending": pending,
        "revoked": revoked,
        "unverified": replace(filters, email_verified=False),
    }


def _count_row(query: CountQuery, scope: Scope, filters: UserFilters) -> sa.Row:
    """The row of a count statement. Without a search it is prepared once per connection,
    every value written in: planning the badges took ~4.5 ms of a ~30 ms cold `counts`. With
    a search it is planned every time (the best plan depends on the term, as for pages)."""
    shape = statement_shape(filters)
    if shape.search:
        return db.session.execute(query(scope, shape), criteria_parameters(filters)).one()
    return _prepared_count(query, scope, shape).one({})


@functools.lru_cache(maxsize=STATEMENTS_KEPT)
def _prepared_count(query: CountQuery, scope: Scope, shape: UserFilters) -> PreparedSelect:
    """Built once per scope and filters: building the badges costs more than a cached answer."""
    return PreparedSelect(query(scope, shape).params(criteria_parameters(shape)), ())


def users_page(scope: Scope, filters: UserFilters, page: int, per_page: int) -> str:
    """One page of users in id order, each with all their live memberships, as JSON text;
    kept until a user or membership changes (aai.caching), like the totals."""
    return cache("pages").get_or_compute(
        (scope, filters, page, per_page), lambda: _read_page(scope, filters, page, per_page)
    )


def _read_page(scope: Scope, filters: UserFilters, page: int, per_page: int) -> str:
    """The page read from the database.

    One statement finds the page's ids and writes its JSON. OFFSET walks every row before the
    page, so from DEEP_OFFSET on a page starts after a remembered id instead (keyset paging):
    the last id of the page before, remembered by whichever request last read it until a user
    or membership changes (aai.caching), so scrolling on, or asking again, does not walk the
    list from the start; after a write the page is found afresh, exactly where OFFSET says.
    """
    offset = min((page - 1) * per_page, MAX_OFFSET)
    after_id = ""
    if offset >= DEEP_OFFSET:
        last_before = _last_id_before(scope, filters, offset)
        if last_before is None:
            return "[]"
        after_id = last_before
    shape, start = statement_shape(filters), 0 if after_id else offset
    if shape.search:
        # The best plan depends on the term (a rare user or thousands): planned every time.
        statement = _page_statement(scope, shape, per_page, start)
        parameters = criteria_parameters(filters, after_id)
        users, last_id = db.session.execute(statement, parameters).one()
    else:
        users, last_id = _prepared_page(scope, shape, per_page, start).one({"after_id": after_id})
    if last_id is not None and offset + per_page >= DEEP_OFFSET:
        cache("page_starts").put((scope, filters, offset + per_page), last_id)
    return users


@functools.lru_cache(maxsize=STATEMENTS_KEPT)
def _page_statement(scope: Scope, shape: UserFilters, per_page: int, offset: int) -> sa.Select:
    """The page's JSON and its last id. Built once per scope, filter shape and page: building
    and keying a statement this size costs about as much as PostgreSQL running it."""
    page_ids = (
        sa.select(BiocommonsUser.id)
        .where(*user_criteria(scope, shape))
        .order_by(BiocommonsUser.id)
        .limit(per_page)
        .offset(offset)
        .cte("page")
    )
    return sa.select(
        _users_json(BiocommonsUser.id.in_(sa.select(page_ids.c.id))),
        sa.select(sa.func.max(page_ids.c.id)).scalar_subquery(),
    )


@functools.lru_cache(maxsize=STATEMENTS_KEPT)
def _prepared_page(scope: Scope, shape: UserFilters, per_page: int, offset: int) -> PreparedSelect:
    return PreparedSelect(_page_statement(scope, shape, per_page, offset), ("after_id",))


def _last_id_before(scope: Scope, filters: UserFilters, offset: int) -> str | None:
    """The id just before `offset` in the list (None past its end), remembered until a write."""

    def walk() -> str | None:
        query = (
            sa.select(BiocommonsUser.id)
            .where(*user_criteria(scope, filters))
            .order_by(BiocommonsUser.id)
            .offset(offset - 1)
            .limit(1)
        )
        return db.session.scalar(query, criteria_parameters(filters))

    return cache("page_starts").get_or_compute((scope, filters, offset), walk)


def user_with_memberships(user_id: str) -> dict:
    """One user (e.g. GET /admin/users/<id>) in the list's shape."""
    (user,) = json.loads(db.session.execute(USER_JSON, {"user_id": user_id}).scalar_one())
    return user


_updater = aliased(BiocommonsUser, name="updater")
_PLATFORM_MEMBERSHIP_ROWS = (
    sa.select(
        uuid_text(PlatformMembership.id).label("id"),
        enum_value(PlatformMembership.platform_id).label("platform_id"),
        Platform.name.label("platform_name"),
        PlatformMembership.user_id,
        enum_value(PlatformMembership.approval_status).label("approval_status"),
        sa.func.coalesce(_updater.email, AUTOMATIC).label("updated_by"),
        iso_utc(PlatformMembership.updated_at).label("updated_at"),
        PlatformMembership.revocation_reason,
        PlatformMembership.rejection_reason,
        PlatformMembership.request_reason,
    )
    .join(Platform, Platform.id == PlatformMembership.platform_id)
    .outerjoin(_updater, _updater.id == PlatformMembership.updated_by_id)
    .where(
        PlatformMembership.user_id == BiocommonsUser.id,
        PlatformMembership.active(),
        Platform.active(),
    )
    .order_by(Platform.name)
    .correlate(BiocommonsUser)
    .subquery("platform_membership_row")
)
_GROUP_MEMBERSHIP_ROWS = (
    sa.select(
        uuid_text(GroupMembership.id).label("id"),
        GroupMembership.group_id,
        BiocommonsGroup.name.label("group_name"),
        BiocommonsGroup.short_name.label("group_short_name"),
        GroupMembership.user_id,
        enum_value(GroupMembership.approval_status).label("approval_status"),
        sa.func.coalesce(_updater.email, AUTOMATIC).label("updated_by"),
        iso_utc(GroupMembership.updated_at).label("updated_at"),
        GroupMembership.revocation_reason,
        GroupMembership.rejection_reason,
        GroupMembership.request_reason,
        iso_utc(GroupMembership.requested_at).label("requested_at"),
    )
    .join(BiocommonsGroup, BiocommonsGroup.group_id == GroupMembership.group_id)
    .outerjoin(_updater, _updater.id == GroupMembership.updated_by_id)
    .where(
        GroupMembership.user_id == BiocommonsUser.id,
        GroupMembership.active(),
        BiocommonsGroup.active(),
    )
    .order_by(BiocommonsGroup.name)
    .correlate(BiocommonsUser)
    .subquery("group_membership_row")
)
# Live memberships of live platforms and groups, in platform-name and group-name order.
_USER_COLUMNS = (
    BiocommonsUser.id,
    BiocommonsUser.email,
    BiocommonsUser.username,
    BiocommonsUser.email_verified,
    iso_utc(BiocommonsUser.created_at).label("created_at"),
    sa.select(json_rows(_PLATFORM_MEMBERSHIP_ROWS, _PLATFORM_MEMBERSHIP_ROWS.c.platform_name))
    .scalar_subquery()
    .label("platform_memberships"),
    sa.select(json_rows(_GROUP_MEMBERSHIP_ROWS, _GROUP_MEMBERSHIP_ROWS.c.group_name))
    .scalar_subquery()
    .label("group_memberships"),
)


def _users_json(*criteria) -> sa.ScalarSelect:
    """The users meeting `criteria`, in id order, with their memberships: a JSON array text."""
    rows = (
        sa.select(*_USER_COLUMNS).where(*criteria).order_by(BiocommonsUser.id).subquery("user_row")
    )
    return sa.select(sa.cast(json_rows(rows, rows.c.id), sa.Text)).scalar_subquery()


USER_JSON = sa.select(_users_json(BiocommonsUser.id == sa.bindparam("user_id", type_=sa.String)))
