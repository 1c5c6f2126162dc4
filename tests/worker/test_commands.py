"""`flask sync-auth0` and `flask worker` as operators run them: real processes on PostgreSQL."""

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, text

from aai import create_app
from aai.email.outbox import queue_email
from aai.extensions import db
from aai.worker.cli import build_scheduler
from aai.worker.jobs import JOBS, SYNC_LOCK, run_job
from aai.worker.locks import lock_key
from tests.settings import emulator_settings, settings

# Real `flask` processes, waited on for up to 90 s each (`finished`): the limit stays above it.
pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).resolve().parents[2]
ALREADY_RUNNING = 75
databases = (f"aai_commands_{number}" for number in itertools.count(1))


@pytest.fixture
def database(pg_cluster, emulator):
    """A fresh migrated PostgreSQL database and the settings of an app using it."""
    url = pg_cluster.create_database(next(databases))
    environment = emulator_settings(emulator, DB_URL=url, TESTING=None)
    with create_app(environment).app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return environment


def flask_command(environment: dict, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", str(REPO / "wsgi.py"), *args],
        env={"PATH": os.environ["PATH"], **environment},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def finished(process: subprocess.Popen, timeout: float = 90) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def count(environment: dict, table: str) -> int:
    engine = create_engine(environment["DB_URL"])
    with engine.connect() as connection:
        query = f"SELECT count(*) FROM {table} WHERE NOT is_deleted"  # noqa: S608 - fixed names
        number = connection.execute(text(query)).scalar()
    engine.dispose()
    return number


def wait_for_request(emulator, path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not emulator.requests(path=path):
        assert time.monotonic() < deadline, f"no request to {path}"
        time.sleep(0.05)


def test_sync_command_fills_the_database_and_prints_a_summary(database):
    code, out, err = finished(flask_command(database, "sync-auth0"))
    assert code == 0, err
    assert "Summary:" in out
    assert "users: " in out  # plain progress lines when not on a terminal
    created = {line.split()[0]: line.split()[1] for line in out.splitlines()[-8:] if line}
    assert created["roles"] == "10"  # the seed's roles; platforms, groups, links apart
    assert created["groups"] == "2"
    assert created["admin_links"] == "4"
    assert count(database, "biocommons_user") == 6
    code, out, _ = finished(flask_command(database, "sync-auth0", "--users"))
    assert code == 0
    users_line = next(line for line in out.splitlines() if line.startswith("users "))
    assert users_line.split()[1:6] == ["0", "0", "0", "0", "6"]  # nothing written, 6 unchanged


def test_dry_run_writes_nothing(database):
    code, out, err = finished(flask_command(database, "sync-auth0", "--dry-run"))
    assert code == 0, err
    assert "Would change (dry run, nothing written):" in out
    assert count(database, "biocommons_user") == 0


def test_second_sync_started_meanwhile_reports_already_running(database, emulator):
    emulator.export_behaviour(pending_polls=3)
    emulator.add_fault("GET", "/api/v2/jobs/", delay=1.5, count=3)  # the first sync is slow
    first = flask_command(database, "sync-auth0")
    wait_for_request(emulator, "/api/v2/jobs/users-exports")
    code, _, err = finished(flask_command(database, "sync-auth0"))
    assert code == ALREADY_RUNNING
    assert "already running" in err
    assert finished(first)[0] == 0


def test_sync_killed_mid_run_is_followed_by_a_clean_run(database, emulator):
    emulator.export_behaviour(pending_polls=1)
    emulator.add_fault("GET", "/api/v2/jobs/", delay=5, count=1)
    doomed = flask_command(database, "sync-auth0")
    wait_for_request(emulator, "/api/v2/jobs/users-exports")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)
    emulator.clear_faults()
    code, out, err = finished(flask_command(database, "sync-auth0"))
    assert code == 0, err
    assert count(database, "biocommons_user") == 6


def test_job_skips_while_another_process_holds_its_lock(database):
    application = create_app(database)
    engine = create_engine(database["DB_URL"])
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(SYNC_LOCK)})
        roles_job = next(job for job in JOBS if job.id == "sync_auth0_roles")
        assert run_job(application, roles_job) is None
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(SYNC_LOCK)})
        assert run_job(application, roles_job).created > 0
    engine.dispose()
    with application.app_context():
        db.engine.dispose()


def test_scheduler_holds_every_job_once_with_overlap_protection():
    web_app = create_app(settings(DB_URL="sqlite://"))
    assert not hasattr(web_app, "apscheduler")  # the web app never builds a scheduler
    scheduler = build_scheduler(create_app(settings(DB_URL="sqlite://")), JOBS)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job.id for job in JOBS}
    assert all(job.max_instances == 1 for job in jobs.values())
    assert all(job.coalesce for job in jobs.values())


def test_worker_refuses_debug_mode(database):
    code, _, err = finished(flask_command({**database, "FLASK_DEBUG": "1"}, "worker"))
    assert code != 0
    assert "FLASK_DEBUG" in err


def test_worker_delivers_emails_and_stops_on_sigterm(database, smtp_server):
    mailbox, port = smtp_server()
    with create_app(database).app_context():
        queue_email("ada@example.org", "welcome", first_name="Ada")
        db.session.commit()
        db.engine.dispose()
    environment = {
        **database,
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "false",
    }
    worker = flask_command(environment, "worker", "--email-only")
    deadline = time.monotonic() + 30
    while not mailbox.received and time.monotonic() < deadline:
        time.sleep(0.1)
    worker.send_signal(signal.SIGTERM)
    code, out, err = finished(worker, timeout=30)
    assert [envelope.rcpt_tos for envelope in mailbox.received] == [["ada@example.org"]]
    assert code == 0, err
    assert "Worker stopped." in out
