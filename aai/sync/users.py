"""Auth0 users → `biocommons_user`, from Auth0's user export (30 §9.3, bugs fixed).

Rows stream from the export file and are applied in batches: one query loads a batch's
existing rows, one query finds email/username clashes, and the batch is flushed at once. The
database mirrors Auth0: a blocked Auth0 user has a soft-deleted row (a new blocked user is
not created), an unblocked one a live row. Users missing from a *complete* export are checked
one by one with Auth0 before they are soft-deleted.
"""

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aai.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import (
    BiocommonsUser,
    BiocommonsUserHistory,
    GroupMembership,
    GroupMembershipHistory,
    PlatformMembership,
    PlatformMembershipHistory,
    utc_now,
)
from aai.sync.report import SyncReport, batched

EXPORT_FIELDS = ["user_id", "email", "email_verified", "username", "blocked"]
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
    """Apply one batch; on a constraint race, retry it user by user with savepoints."""
    batch = list(batch)
    try:
        with session.begin_nested():
            _apply(session, batch, report)
    except IntegrityError:
        for user in batch:
            try:
                with session.begin_nested():
                    _apply(session, [user], SyncReport("retry"))
            except IntegrityError:
                report.skip("conflicts with another user")


def _apply(session: Session, batch: list[AuthUser], report: SyncReport) -> None:
    ids = [user.id for user in batch]
    rows = {
        row.id: row
        for row in session.scalars(select(BiocommonsUser).where(BiocommonsUser.id.in_(ids)))
    }
    owners = _current_owners(session, batch)
    for incoming in batch:
        row = rows.get(incoming.id)
        clash = _clash(incoming, owners)
        if clash:
            report.skip(clash)
        elif row is None:
            _create(session, incoming, report)
        else:
            _update(session, row, incoming, report)
        owners["email"][incoming.email.lower()] = incoming.id
        if incoming.username:
            owners["username"][incoming.username.lower()] = incoming.id
    session.flush()


def _current_owners(session: Session, batch: list[AuthUser]) -> dict[str, dict[str, str]]:
    """Which user holds each email and username of the batch today (deleted rows too)."""
    emails = {user.email.lower() for user in batch}
    usernames = {user.username.lower() for user in batch if user.username}
    query = select(BiocommonsUser.id, BiocommonsUser.email, BiocommonsUser.username).where(
        or_(BiocommonsUser.email.in_(emails), BiocommonsUser.username.in_(usernames))
    )
    owners: dict[str, dict[str, str]] = {"email": {}, "username": {}}
    for user_id, email, username in session.execute(query):
        owners["email"][email.lower()] = user_id
        owners["username"][username.lower()] = user_id
    return owners


def _clash(incoming: AuthUser, owners: dict[str, dict[str, str]]) -> str | None:
    if not incoming.email:
        return "no email in Auth0"
    if owners["email"].get(incoming.email.lower(), incoming.id) != incoming.id:
        return "email belongs to another user"
    if (
        incoming.username
        and owners["username"].get(incoming.username.lower(), incoming.id) != incoming.id
    ):
        return "username belongs to another user"
    return None


def _create(session: Session, incoming: AuthUser, report: SyncReport) -> None:
    if incoming.blocked:
        report.skip("blocked in Auth0")
        return
    if not incoming.username:
        report.skip("no username in Auth0")
        return
    session.add(
        BiocommonsUser(
            id=incoming.id,
            email=incoming.email,
            username=incoming.username,
            email_verified=incoming.email_verified,
            created_at=utc_now(),
        )
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
        row.soft_delete()
        row.deleted_at, row.deletion_reason, row.deleted_by_id = utc_now(), "Blocked in Auth0", None
    else:
        _history(session, row, "restored_from_auth0", "User restored during Auth0 sync")
        row.restore()


def _history(session: Session, row: BiocommonsUser, change: str, reason: str) -> None:
    session.add(
        BiocommonsUserHistory(
            user_id=row.id,
            updated_at=utc_now(),
            email=row.email,
            username=row.username,
            change=change,
            reason=reason,
        )
    )


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
            delete_user_with_memberships(session, session.get(BiocommonsUser, user_id))
            report.soft_deleted += 1
            continue
        report.skip("missing from export but present in Auth0")


def delete_user_with_memberships(session: Session, user: BiocommonsUser) -> None:
    """The sync's deletion (user gone from Auth0): the row, its memberships and histories."""
    _history(session, user, "user_deletion", "auth0_sync")
    user.soft_delete()
    user.deleted_at, user.deletion_reason = utc_now(), "auth0_sync"
    for model in (
        PlatformMembership,
        PlatformMembershipHistory,
        GroupMembership,
        GroupMembershipHistory,
    ):
        session.execute(update(model).where(model.user_id == user.id).values(is_deleted=True))
    session.flush()
