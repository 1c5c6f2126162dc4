"""Auth0 users → `biocommons_user`, from Auth0's user export (30 §9.3, bugs fixed).

Rows stream from the export file and are applied in batches: one query reads a batch's stored
state, new users are inserted in bulk, changed ones updated with their history; a batch that
breaks a uniqueness constraint (an email or username held by another user) is redone user by
user, skipping the clashing ones. The
database mirrors Auth0: a blocked Auth0 user has a soft-deleted row (a new blocked user is
not created), an unblocked one a live row. Users missing from a *complete* export are checked
one by one with Auth0 before they are soft-deleted.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aai.accounts.history import record_user_history
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import (
    BiocommonsUser,
    GroupMembership,
    GroupMembershipHistory,
    PlatformMembership,
    PlatformMembershipHistory,
    utc_now,
)
from aai.worker.report import SyncReport, batched

EXPORT_FIELDS = ["user_id", "email", "email_verified", "username", "blocked"]
# What a batch compares, read as plain tuples (cheap) rather than ORM objects.
USER_STATE = (
    BiocommonsUser.id,
    BiocommonsUser.email,
    BiocommonsUser.username,
    BiocommonsUser.email_verified,
    BiocommonsUser.is_deleted,
)
BATCH_SIZE = 1000
# Export polling starts fast (small tenants finish at once) and backs off to every 2 s.
EXPORT_FIRST_POLL_SECONDS = 0.05
EXPORT_MAX_POLL_SECONDS = 2.0
EXPORT_TIMEOUT_SECONDS = 600


class ExportFailedError(RuntimeError):
    pass


@dataclass(frozen=True)
class AuthUser:
    """One user as Auth0 describes it (an export row or a Management API answer)."""

    id: str
    email: str
    username: str | None
    email_verified: bool
    blocked: bool

    @classmethod
    def from_auth0(cls, data: dict) -> "AuthUser":
        return cls(
            id=data["user_id"],
            email=(data.get("email") or "").strip(),
            username=(data.get("username") or "").strip() or None,
            email_verified=bool(data.get("email_verified")),
            blocked=bool(data.get("blocked")),
        )


def exported_users(auth0: Auth0Client) -> Iterator[AuthUser]:
    """Start an export, wait for it, then stream its rows."""
    job = auth0.start_users_export(EXPORT_FIELDS)
    deadline = time.monotonic() + EXPORT_TIMEOUT_SECONDS
    pause = EXPORT_FIRST_POLL_SECONDS
    while job.get("status") != "completed":
        if job.get("status") in ("failed", "cancelled") or time.monotonic() > deadline:
            raise ExportFailedError(
                f"Auth0 user export {job.get('id')} ended as {job.get('status')}"
            )
        time.sleep(pause)
        pause = min(pause * 2, EXPORT_MAX_POLL_SECONDS)
        job = auth0.get_job(job["id"])
    if not job.get("location"):
        raise ExportFailedError(f"Auth0 user export {job.get('id')} has no download location")
    for row in auth0.export_rows(job["location"]):
        yield AuthUser.from_auth0(row)


def sync_users(
    auth0: Auth0Client,
    session: Session,
    checkpoint: Callable[[], None],
    progress: Callable[[int], None] = lambda count: None,
) -> SyncReport:
    report = SyncReport("users")
    seen: set[str] = set()
    for batch in batched(exported_users(auth0), BATCH_SIZE):
        seen.update(user.id for user in batch)
        apply_batch(session, batch, report)
        checkpoint()
        progress(len(batch))
    # Reached only when the whole export was read: a failure above leaves every row alone.
    remove_users_missing_from_auth0(auth0, session, seen, report)
    checkpoint()
    return report


def apply_batch(session: Session, batch: Iterable[AuthUser], report: SyncReport) -> None:
    """Apply one batch; if it breaks a constraint, redo it user by user with savepoints."""
    batch = list(batch)
    outcome = SyncReport(report.step)
    try:
        with session.begin_nested():
            _apply(session, batch, outcome)
    except IntegrityError:
        outcome = SyncReport(report.step)
        for user in batch:
            single = SyncReport(report.step)
            try:
                with session.begin_nested():
                    _apply(session, [user], single)
            except IntegrityError:
                single = SyncReport(report.step)
                single.skip("email or username belongs to another user")
            outcome.merge(single)
    report.merge(outcome)


def _apply(session: Session, batch: list[AuthUser], report: SyncReport) -> None:
    """Compare the batch with the stored rows (plain tuples), bulk-insert the new users and
    update the changed ones through the ORM (so history rows are written)."""
    ids = [user.id for user in batch]
    current = {
        row.id: row
        for row in session.execute(select(*USER_STATE).where(BiocommonsUser.id.in_(ids)))
    }
    new_rows: list[dict] = []
    for incoming in batch:
        state = current.get(incoming.id)
        if not incoming.email:
            report.skip("no email in Auth0")
        elif state is None:
            _collect_new(incoming, new_rows, report)
        elif _differs(state, incoming):
            _update(session, session.get_one(BiocommonsUser, incoming.id), incoming, report)
        else:
            report.unchanged += 1
    if new_rows:
        # A mapped class's __table__ is a Table; SQLAlchemy types it as any FromClause.
        session.execute(insert(BiocommonsUser.__table__), new_rows)  # type: ignore[arg-type]
    session.flush()


def _differs(state, incoming: AuthUser) -> bool:
    return (
        state.email != incoming.email
        or (incoming.username is not None and state.username != incoming.username)
        or state.email_verified != incoming.email_verified
        or state.is_deleted != incoming.blocked
    )


def _collect_new(incoming: AuthUser, new_rows: list[dict], report: SyncReport) -> None:
    if incoming.blocked:
        report.skip("blocked in Auth0")
    elif not incoming.username:
        report.skip("no username in Auth0")
    else:
        new_rows.append(
            {
                "id": incoming.id,
                "email": incoming.email,
                "username": incoming.username,
                "email_verified": incoming.email_verified,
                "created_at": utc_now(),
                "is_deleted": False,
            }
        )
        report.created += 1


def _update(session: Session, row: BiocommonsUser, incoming: AuthUser, report: SyncReport) -> None:
    renamed = row.email != incoming.email or (
        incoming.username and row.username != incoming.username
    )
    if renamed:
        _history(session, row, "auth0_sync", "User data updated from Auth0")
        row.email = incoming.email
        row.username = incoming.username or row.username
    verified_changed = row.email_verified != incoming.email_verified
    row.email_verified = incoming.email_verified
    if incoming.blocked != row.is_deleted:
        _mirror_blocked(session, row, incoming.blocked)
        if incoming.blocked:
            report.soft_deleted += 1
        else:
            report.restored += 1
    elif renamed or verified_changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _mirror_blocked(session: Session, row: BiocommonsUser, blocked: bool) -> None:
    """Blocked in Auth0 ⇔ soft-deleted here; memberships are kept for a later unblock."""
    if blocked:
        _history(session, row, "user_deletion", "Blocked in Auth0")
        row.mark_deleted(None, "Blocked in Auth0")
    else:
        _history(session, row, "restored_from_auth0", "User restored during Auth0 sync")
        row.mark_restored()


def _history(session: Session, row: BiocommonsUser, change: str, reason: str) -> None:
    record_user_history(row, change, by=None, reason=reason, session=session)


def remove_users_missing_from_auth0(
    auth0: Auth0Client, session: Session, seen: set[str], report: SyncReport
) -> None:
    """Soft-delete live users absent from the export, once Auth0 confirms they are gone."""
    live = session.scalars(select(BiocommonsUser.id).where(BiocommonsUser.active())).all()
    for user_id in (user_id for user_id in live if user_id not in seen):
        try:
            auth0.get_user(user_id)
        except Auth0RequestRejectedError as error:
            if error.status != 404:
                report.skip("Auth0 lookup failed")
                continue
            delete_user_with_memberships(session, session.get_one(BiocommonsUser, user_id))
            report.soft_deleted += 1
            continue
        report.skip("missing from export but present in Auth0")


def delete_user_with_memberships(session: Session, user: BiocommonsUser) -> None:
    """The sync's deletion (user gone from Auth0): the row, its memberships and histories."""
    _history(session, user, "user_deletion", "auth0_sync")
    user.mark_deleted(None, "auth0_sync")
    for model in (
        PlatformMembership,
        PlatformMembershipHistory,
        GroupMembership,
        GroupMembershipHistory,
    ):
        session.execute(update(model).where(model.user_id == user.id).values(is_deleted=True))
    session.flush()
