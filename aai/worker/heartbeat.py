"""The worker's liveness: a file the running scheduler keeps fresh, and `flask worker-health`.

The worker serves no HTTP (its metrics port only exists with metrics on), so its container
cannot share the API's health check. `flask worker` touches `WORKER_HEARTBEAT_FILE` when it
starts and then every `HEARTBEAT_SECONDS` from a scheduler job of its own, which runs only while
the scheduler still dispatches jobs; `flask worker-health` fails when the file is missing or
older than `--max-age`. The database plays no part: restarting the worker would not bring an
unreachable database back, so an outage must not make the worker "unhealthy".
"""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_apscheduler import APScheduler

HEARTBEAT_SECONDS = 30
STALE_AFTER_SECONDS = 120  # four beats missed in a row


def beat(path: str) -> None:
    Path(path).touch()


def start_heartbeat(scheduler: APScheduler, path: str) -> None:
    """Beat now (the check passes as soon as the worker runs) and from the scheduler after."""
    try:
        beat(path)
    except OSError as error:
        raise click.ClickException(
            f"Cannot write the worker heartbeat file ({error}); "
            "set WORKER_HEARTBEAT_FILE to a writable path."
        ) from None
    scheduler.add_job(
        id="heartbeat",
        func=beat,
        args=(path,),
        trigger="interval",
        seconds=HEARTBEAT_SECONDS,
        max_instances=1,
        coalesce=True,
    )


def heartbeat_age(path: str, now: float) -> float | None:
    """Seconds since the last beat, or None when the worker never beat here."""
    try:
        return now - Path(path).stat().st_mtime
    except FileNotFoundError:
        return None


@click.command("worker-health")
@click.option(
    "--max-age",
    type=click.IntRange(min=1),
    default=STALE_AFTER_SECONDS,
    show_default=True,
    help="Seconds after which the last heartbeat counts as stale.",
)
@with_appcontext
def worker_health_command(max_age: int) -> None:
    """Exit 0 when `flask worker` beat recently (the worker container's health check)."""
    path = current_app.config["WORKER_HEARTBEAT_FILE"]
    age = heartbeat_age(path, time.time())
    if age is None:
        raise click.ClickException(f"No worker heartbeat at {path}: the worker is not running.")
    if age > max_age:
        raise click.ClickException(
            f"The worker's last heartbeat is {age:.0f} s old (limit {max_age} s): it is stuck."
        )
    click.echo(f"Worker alive: last heartbeat {age:.0f} s ago.")
