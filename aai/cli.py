"""The app's `flask` commands, registered in one place; each lives with its domain."""

from flask import Flask

from aai.schema_diagram import db_diagram_command
from aai.worker.cli import sync_auth0_command, worker_command
from aai.worker.heartbeat import worker_health_command


def register_cli(app: Flask) -> None:
    app.cli.add_command(sync_auth0_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(worker_health_command)
    app.cli.add_command(db_diagram_command)
