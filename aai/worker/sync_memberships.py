"""Auth0 role assignments → platform and group memberships (30 §9.3).

Auth0 is the source of truth for access: a member of `biocommons/platform/<id>` or
`biocommons/group/<id>` gets an approved membership (created, restored, or forced from
pending/revoked/rejected), and an approved membership whose user no longer holds the role is
soft-deleted — only after the role's member list was read completely. Members are matched to
users already in the database (the users step runs first); unknown or deleted users are
skipped and reported.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from aai.access.memberships import (
    change_group_status,
    change_platform_status,
    record_group_history,
    record_platform_history,
)
from aai.identity.auth0 import Auth0Client
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    GroupMembershipHistory,
    Platform,
    PlatformEnum,
    PlatformMembership,
    PlatformMembershipHistory,
    utc_now,
)
from aai.worker.report import SyncReport, batched
from aai.worker.sync_roles import GROUP_ROLE, PLATFORM_ROLE

APPROVED = ApprovalStatusEnum.APPROVED
# Members applied between two checkpoints (commits in a real run).
MEMBERS_PER_CHECKPOINT = 1000


@dataclass(frozen=True)
class Target:
    """What a role grants: a platform or a group, with the matching membership model."""

    model: type[PlatformMembership] | type[GroupMembership]
    history: type[PlatformMembershipHistory] | type[GroupMembershipHistory]
    key_column: str
    key: object

    def key_filter(self, model):
        return getattr(model, self.key_column) == self.key


def sync_memberships(
    auth0: Auth0Client, session: Session, checkpoint: Callable[[], None]
) -> SyncReport:
    """Every platform and group role's members, one role after another."""
    report = SyncReport("memberships")
    for role in auth0.all_roles():
        target = target_of(session, role["name"])
        if target is not None:
            sync_role_members(auth0, session, role["id"], target, report, checkpoint)
    return report


def target_of(session: Session, role_name: str) -> Target | None:
    if match := PLATFORM_ROLE.match(role_name):
        if match[1] in {platform.value for platform in PlatformEnum}:
            platform = session.get(Platform, PlatformEnum(match[1]))
            if platform is not None and not platform.is_deleted:
                return Target(
                    PlatformMembership, PlatformMembershipHistory, "platform_id", platform.id
                )
    elif GROUP_ROLE.match(role_name):
        group = session.get(BiocommonsGroup, role_name)
        if group is not None and not group.is_deleted:
            return Target(GroupMembership, GroupMembershipHistory, "group_id", group.group_id)
    return None


def sync_role_members(
    auth0: Auth0Client,
    session: Session,
    role_id: str,
    target: Target,
    report: SyncReport,
    checkpoint: Callable[[], None],
) -> None:
    members: set[str] = set()
    pending: list[str] = []
    for page in auth0.role_member_pages(role_id):
        ids = [member["user_id"] for member in page]
        members.update(ids)
        pending.extend(ids)
        if len(pending) >= MEMBERS_PER_CHECKPOINT:
            apply_members(session, target, pending, report)
            pending = []
            checkpoint()
    apply_members(session, target, pending, report)
    # Reached only when every page was read: a failure above removes nothing.
    remove_departed(session, target, members, report)
    checkpoint()


def apply_members(
    session: Session, target: Target, user_ids: list[str], report: SyncReport
) -> None:
    """Grant the role's members their membership: new ones in bulk, changed ones one by one."""
    if not user_ids:
        return
    users = dict(
        session.execute(
            select(BiocommonsUser.id, BiocommonsUser.is_deleted).where(
                BiocommonsUser.id.in_(user_ids)
            )
        ).all()
    )
    model = target.model
    state = {
        row.user_id: row
        for row in session.execute(
            select(model.id, model.user_id, model.approval_status, model.is_deleted).where(
                target.key_filter(model), model.user_id.in_(user_ids)
            )
        )
    }
    new_ids = []
    for user_id in user_ids:
        if user_id not in users:
            report.skip("member not in the database")
        elif users[user_id]:
            report.skip("member's account is deleted")
        elif user_id not in state:
            new_ids.append(user_id)
        elif state[user_id].approval_status is APPROVED and not state[user_id].is_deleted:
            report.unchanged += 1
        else:
            grant(session, target, session.get(model, state[user_id].id), report)
    insert_approved(session, target, new_ids)
    report.created += len(new_ids)
    session.flush()


def insert_approved(session: Session, target: Target, user_ids: list[str]) -> None:
    """Automatic approved memberships and their first history rows, in two bulk inserts."""
    if not user_ids:
        return
    now = utc_now()
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            target.key_column: target.key,
            "approval_status": APPROVED,
            "updated_at": now,
            "updated_by_id": None,
            "is_deleted": False,
        }
        for user_id in user_ids
    ]
    # A mapped class's __table__ is a Table; SQLAlchemy types it as any FromClause.
    session.execute(insert(target.model.__table__), rows)  # type: ignore[arg-type]
    history = [{**row, "id": uuid.uuid4(), "reason": None} for row in rows]
    session.execute(insert(target.history.__table__), history)  # type: ignore[arg-type]


def grant(session: Session, target: Target, membership, report: SyncReport) -> None:
    """Make an existing membership approved and live, with a history row."""
    restored = membership.is_deleted
    membership.restore()
    if membership.approval_status is not APPROVED:
        _approve(target, membership)
    else:
        membership.updated_at, membership.updated_by_id = utc_now(), None
        _record(target, membership)
    if restored:
        report.restored += 1
    else:
        report.updated += 1


def _approve(target: Target, membership) -> None:
    """Auth0 granted the role directly: it overrides a pending, revoked or rejected status."""
    change = change_platform_status if target.model is PlatformMembership else change_group_status
    change(membership, APPROVED, by=None)


def _record(target: Target, membership) -> None:
    if target.model is PlatformMembership:
        record_platform_history(membership)
    else:
        record_group_history(membership)


def remove_departed(
    session: Session,
    target: Target,
    members: set[str],
    report: SyncReport,
    among: list[str] | None = None,
) -> None:
    """Soft-delete approved memberships whose user no longer holds the role, with their history
    (only those of the users `among`, when given: aai.worker.reconcile)."""
    model, history = target.model, target.history
    approved = select(model.user_id).where(
        target.key_filter(model), model.active(), model.approval_status == APPROVED
    )
    if among is not None:
        approved = approved.where(model.user_id.in_(among))
    departed = [user_id for user_id in session.scalars(approved) if user_id not in members]
    for chunk in batched(departed, 1000):
        for table in (model, history):
            session.execute(
                update(table)
                .where(target.key_filter(table), table.user_id.in_(chunk))
                .values(is_deleted=True)
            )
    report.soft_deleted += len(departed)
    session.flush()
