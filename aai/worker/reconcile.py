"""Changes whose Auth0 outcome is unknown → the database, within minutes (issue 14).

A request whose Auth0 change was sent but got no answer (aai.identity.auth0) answered 503,
rolled back, and left an `auth0_pending_check` row naming the user. Every minute this job
re-reads each such user (and their roles) from Auth0 and applies exactly what the hourly users
and memberships sync would for them, then deletes the row. A row is taken up once it is a
minute old, so that a change Auth0 was still applying when the request gave up has landed.
"""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.models import Auth0PendingCheck, BiocommonsUser, utc_now
from aai.worker.report import SyncReport
from aai.worker.sync_memberships import Target, apply_members, remove_departed, target_of
from aai.worker.sync_users import AuthUser, apply_batch, delete_user_with_memberships

SETTLE_SECONDS = 60
CHECKS_PER_RUN = 500


def reconcile_unknown_outcomes(
    auth0: Auth0Client,
    session: Session,
    checkpoint: Callable[[], None],
    settle_seconds: float = SETTLE_SECONDS,
) -> SyncReport:
    """Bring each pending check's user in line with Auth0, one check (and commit) at a time.
    An Auth0 outage ends the run; the checks not done yet wait for the next one."""
    report = SyncReport("reconcile")
    settled = utc_now() - timedelta(seconds=settle_seconds)
    checks = session.scalars(
        select(Auth0PendingCheck)
        .where(Auth0PendingCheck.created_at <= settled)
        .order_by(Auth0PendingCheck.created_at)
        .limit(CHECKS_PER_RUN)
    ).all()
    role_targets = platform_and_group_roles(auth0, session) if checks else {}
    for check in checks:
        for user_id in users_concerned(auth0, check):
            reconcile_user(auth0, session, user_id, role_targets, report)
        session.delete(check)
        checkpoint()
    return report


def platform_and_group_roles(auth0: Auth0Client, session: Session) -> dict[str, Target]:
    """Auth0's roles that grant a platform or a group, by name (as the memberships sync)."""
    targets = {role["name"]: target_of(session, role["name"]) for role in auth0.all_roles()}
    return {name: target for name, target in targets.items() if target is not None}


def users_concerned(auth0: Auth0Client, check: Auth0PendingCheck) -> list[str]:
    """The check's user id, or the Auth0 users holding its email (a timed-out creation)."""
    if check.user_id:
        return [check.user_id]
    if check.email:
        return [record["user_id"] for record in auth0.users_by_email(check.email)]
    return []


def reconcile_user(
    auth0: Auth0Client,
    session: Session,
    user_id: str,
    role_targets: dict[str, Target],
    report: SyncReport,
) -> None:
    """The users sync for one user (deleted when Auth0 no longer has them), then the
    memberships sync for that user's roles."""
    try:
        record = auth0.get_user(user_id)
    except Auth0RequestRejectedError as error:
        if error.status != 404:
            raise
        user = session.get(BiocommonsUser, user_id)
        if user is not None and not user.is_deleted:
            delete_user_with_memberships(session, user)
            report.soft_deleted += 1
        return
    apply_batch(session, [AuthUser.from_auth0(record)], report)
    held = {role["name"] for role in auth0.get_user_roles(user_id)}
    for name, target in role_targets.items():
        if name in held:
            apply_members(session, target, [user_id], report)
        else:
            remove_departed(session, target, set(), report, among=[user_id])
