"""The app's `flask` commands, registered in one place; each lives with its domain."""

import os
import sys

from flask import Flask
from sqlalchemy.exc import OperationalError

from aai.config import redact_password
from aai.errors import ServiceUnavailableError, UpstreamError
from aai.schema_diagram import db_diagram_command
from aai.worker.cli import sync_auth0_command, worker_command
from aai.worker.heartbeat import worker_health_command


def register_cli(app: Flask) -> None:
    app.cli.add_command(sync_auth0_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(worker_health_command)
    app.cli.add_command(db_diagram_command)
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true":  # set by the `flask` command only
        report_unreachable_services_in_one_line(app)


def report_unreachable_services_in_one_line(app: Flask) -> None:
    """A command that cannot reach the database or Auth0 (any command: ours, `flask db ...`)
    ends with one line naming what failed, as a configuration problem does, not a traceback."""
    previous_hook = sys.excepthook
    database = redact_password(app.config["SQLALCHEMY_DATABASE_URI"])

    def excepthook(kind, error, traceback):
        if isinstance(error, OperationalError):
            reason = str(error.orig or error).strip().splitlines()[0]
            print(f"Cannot use the database {database}: {reason}", file=sys.stderr)
        elif isinstance(error, ServiceUnavailableError | UpstreamError):
            print(f"Auth0 at {app.config['AUTH0_BASE_URL']}: {error.detail}", file=sys.stderr)
        else:
            previous_hook(kind, error, traceback)

    sys.excepthook = excepthook
