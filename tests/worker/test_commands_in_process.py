"""`flask sync-auth0` and `flask worker` run through Flask's CLI runner in the test process, on
a fresh PostgreSQL database: the per-step output operators read, which the process tests
(tests/worker/test_commands.py) only glance at, and which coverage can see here."""

from sqlalchemy import create_engine, text

from aai import create_app
from aai.extensions import db
from aai.worker.locks import lock_key
from tests.worker.test_commands import ALREADY_RUNNING, count, database  # noqa: F401 - fixture

SEED_SKIP = "blocked in Auth0"  # the seed's one blocked user is never imported


def flask(environment: dict, *args: str, env: dict | None = None):
    application = create_app(environment)
    try:
        return application.test_cli_runner().invoke(args=list(args), env=env)
    finally:
        with application.app_context():
            db.engine.dispose()


def summary_row(output: str, step: str) -> dict[str, int]:
    """One step's counts from the summary table (created ... skipped)."""
    header = next(line for line in output.splitlines() if line.startswith("step "))
    row = next(line for line in output.splitlines() if line.startswith(f"{step} "))
    return dict(zip(header.split()[1:], map(int, row.split()[1:]), strict=True))


def test_sync_reports_each_step_and_its_counts(database):  # noqa: F811 - the fixture
    result = flask(database, "sync-auth0")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for step in ("roles", "users", "memberships"):
        assert f"Syncing {step}..." in lines
    assert "users: 7/7" in lines  # plain progress lines when not on a terminal
    assert summary_row(result.output, "users")["created"] == 6
    assert summary_row(result.output, "roles")["created"] > 0
    skips = [line.strip() for line in lines if "skipped 1 (" in line]
    assert skips == [f"users: skipped 1 ({SEED_SKIP})"]
    again = flask(database, "sync-auth0", "--users")
    assert "Syncing roles..." not in again.output
    assert summary_row(again.output, "users") == {
        "created": 0,
        "updated": 0,
        "restored": 0,
        "soft_deleted": 0,
        "unchanged": 6,
        "skipped": 1,
    }


def test_dry_run_reports_what_it_would_write_and_writes_nothing(database):  # noqa: F811
    result = flask(database, "sync-auth0", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would change (dry run, nothing written):" in result.output
    assert summary_row(result.output, "users")["created"] == 6
    assert count(database, "biocommons_user") == 0


def test_sync_refuses_while_another_sync_holds_the_lock(database):  # noqa: F811
    engine = create_engine(database["DB_URL"])
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key("auth0_sync")})
        result = flask(database, "sync-auth0", "--roles")
    engine.dispose()
    assert result.exit_code == ALREADY_RUNNING
    assert "An Auth0 sync is already running; nothing done." in result.output
    assert count(database, "biocommonsgroup") == 0  # the roles step would have created some


def test_worker_refuses_debug_mode_with_one_message(database):  # noqa: F811
    result = flask(database, "worker", env={"FLASK_DEBUG": "1"})
    assert result.exit_code == 1
    assert "The worker does not run with FLASK_DEBUG set; unset it." in result.output
