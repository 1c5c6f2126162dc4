"""The worker container's liveness check: `flask worker-health` against the heartbeat file that
`flask worker` keeps fresh (the real worker process is checked in tests/test_as_shipped.py)."""

import os
import time

import pytest
from apscheduler.triggers.interval import IntervalTrigger

from aai import create_app
from aai.worker.cli import build_scheduler
from aai.worker.heartbeat import STALE_AFTER_SECONDS, start_heartbeat
from tests.settings import settings


@pytest.fixture
def heartbeat_app(tmp_path):
    return create_app(settings(WORKER_HEARTBEAT_FILE=str(tmp_path / "heartbeat")))


def worker_health(app, *args: str):
    return app.test_cli_runner().invoke(args=["worker-health", *args])


def age_file(path: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_no_heartbeat_means_no_worker(heartbeat_app):
    result = worker_health(heartbeat_app)
    assert result.exit_code == 1
    assert "No worker heartbeat" in result.output


def test_fresh_heartbeat_is_healthy_and_a_stale_one_is_not(heartbeat_app):
    path = heartbeat_app.config["WORKER_HEARTBEAT_FILE"]
    scheduler = build_scheduler(heartbeat_app, ())
    start_heartbeat(scheduler, path)  # the worker's first beat, before its scheduler starts
    assert worker_health(heartbeat_app).exit_code == 0

    age_file(path, STALE_AFTER_SECONDS + 5)
    stale = worker_health(heartbeat_app)
    assert stale.exit_code == 1
    assert "old" in stale.output
    assert worker_health(heartbeat_app, "--max-age", str(STALE_AFTER_SECONDS + 60)).exit_code == 0


def test_the_scheduler_beats_well_within_the_stale_limit(heartbeat_app):
    path = heartbeat_app.config["WORKER_HEARTBEAT_FILE"]
    scheduler = build_scheduler(heartbeat_app, ())
    start_heartbeat(scheduler, path)
    age_file(path, STALE_AFTER_SECONDS + 5)

    job = scheduler.get_job("heartbeat")
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval.total_seconds() * 3 <= STALE_AFTER_SECONDS
    job.func(*job.args)  # what the scheduler runs on each interval
    assert worker_health(heartbeat_app).exit_code == 0


def test_an_unwritable_heartbeat_stops_the_worker_with_one_message(tmp_path):
    app = create_app(settings(WORKER_HEARTBEAT_FILE=str(tmp_path / "missing" / "heartbeat")))
    result = app.test_cli_runner().invoke(args=["worker", "--email-only"])
    assert result.exit_code == 1
    assert "Cannot write the worker heartbeat file" in result.output
    assert "WORKER_HEARTBEAT_FILE" in result.output
