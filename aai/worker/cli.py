"""`flask sync-auth0` (one sync, now) and `flask worker` (the scheduler process)."""

import signal
import sys
from datetime import UTC, datetime, timedelta

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask.helpers import get_debug_flag
from flask_apscheduler import APScheduler

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.metrics import serve_worker_metrics
from aai.worker.heartbeat import start_heartbeat
from aai.worker.jobs import JOBS, SYNC_LOCK, Job, run_job
from aai.worker.locks import job_lock
from aai.worker.report import COUNTS, SyncReport
from aai.worker.sync_memberships import sync_memberships
from aai.worker.sync_roles import sync_roles
from aai.worker.sync_users import sync_users

STEPS = ("roles", "users", "memberships")
ALREADY_RUNNING_EXIT = 75  # EX_TEMPFAIL: try again later


class Progress:
    """A progress bar on a terminal; plain lines every 10 % otherwise."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.next_line = label, max(total, 1), 0, 0
        self.bar = (
            click.progressbar(length=self.total, label=label) if sys.stdout.isatty() else None
        )
        if self.bar is not None:
            self.bar.__enter__()

    def __call__(self, count: int) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
        elif self.done >= self.next_line:
            click.echo(f"{self.label}: {self.done}/{self.total}")
            self.next_line = self.done + self.total // 10

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def run_step(step: str, checkpoint) -> SyncReport:
    auth0 = auth0_client()
    click.echo(f"Syncing {step}...")
    if step == "roles":
        return sync_roles(auth0, db.session(), checkpoint)
    if step == "users":
        progress = Progress("users", auth0.list_users(page=0, per_page=1)["total"])
        try:
            return sync_users(auth0, db.session(), checkpoint, progress)
        finally:
            progress.close()
    return sync_memberships(auth0, db.session(), checkpoint)


def print_summary(reports: list[SyncReport], dry_run: bool) -> None:
    click.echo("\nWould change (dry run, nothing written):" if dry_run else "\nSummary:")
    click.echo(f"{'step':<14}" + "".join(f"{name:>14}" for name in COUNTS))
    rows = [row for report in reports for row in report.rows()]
    for report in rows:
        click.echo(
            f"{report.step:<14}" + "".join(f"{getattr(report, name):>14}" for name in COUNTS)
        )
    for report in rows:
        for reason, count in sorted(report.skip_reasons.items()):
            click.echo(f"  {report.step}: skipped {count} ({reason})")


@click.command("sync-auth0")
@click.option("--roles", is_flag=True, help="Roles, groups, platforms and admin links.")
@click.option("--users", is_flag=True, help="Users, from Auth0's user export.")
@click.option("--memberships", is_flag=True, help="Platform and group memberships from roles.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@with_appcontext
def sync_auth0_command(roles: bool, users: bool, memberships: bool, dry_run: bool) -> None:
    """Sync the database from Auth0 now (all steps unless some are chosen)."""
    chosen = [
        step for step, wanted in zip(STEPS, (roles, users, memberships), strict=True) if wanted
    ]
    checkpoint = db.session.flush if dry_run else db.session.commit
    with job_lock(SYNC_LOCK) as acquired:
        if not acquired:
            click.echo("An Auth0 sync is already running; nothing done.", err=True)
            sys.exit(ALREADY_RUNNING_EXIT)
        try:
            reports = [run_step(step, checkpoint) for step in chosen or STEPS]
        finally:
            if dry_run:
                db.session.rollback()
    print_summary(reports, dry_run)


def build_scheduler(app: Flask, jobs: tuple[Job, ...]) -> APScheduler:
    """A blocking Flask-APScheduler with one interval job per entry of `jobs`."""
    scheduler = APScheduler(scheduler=BlockingScheduler(timezone=UTC))
    scheduler.init_app(app)
    now = datetime.now(UTC)
    for job in jobs:
        scheduler.add_job(
            id=job.id,
            func=run_job,
            args=(app, job),
            trigger="interval",
            seconds=job.every_seconds,
            next_run_time=now + timedelta(seconds=job.first_run_after_seconds),
            replace_existing=True,
            # One run at a time; runs missed while busy collapse into one, within 15 minutes.
            max_instances=1,
            coalesce=True,
            misfire_grace_time=15 * 60,
        )
    return scheduler


@click.command("worker")
@click.option("--email-only", is_flag=True, help="Only deliver emails and clean up codes.")
@with_appcontext
def worker_command(email_only: bool) -> None:
    """Run the scheduler: email delivery, Auth0 sync and clean-up jobs, until stopped."""
    if get_debug_flag():
        # Flask-APScheduler silently refuses to start in debug mode; fail loudly instead.
        raise click.ClickException("The worker does not run with FLASK_DEBUG set; unset it.")
    jobs = tuple(job for job in JOBS if job.email or not email_only)
    # current_app is werkzeug's LocalProxy, typed as the Flask app it stands for.
    scheduler = build_scheduler(current_app._get_current_object(), jobs)  # type: ignore[attr-defined]
    start_heartbeat(scheduler, current_app.config["WORKER_HEARTBEAT_FILE"])
    if current_app.config["ENABLE_PROMETHEUS_METRICS"]:
        serve_worker_metrics(current_app.config["WORKER_METRICS_PORT"])
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(f"Worker started with jobs: {', '.join(job.id for job in jobs)}")
    try:
        scheduler.start()
    except KeyboardInterrupt:
        scheduler.shutdown(wait=False)
    click.echo("Worker stopped.")
