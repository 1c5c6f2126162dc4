"""Management API v2: the users, roles and jobs endpoints aai calls."""

from flask import Flask

from auth0_emulator.management import jobs, roles, users


def register_management(app: Flask) -> None:
    for module in (users, roles, jobs):
        app.register_blueprint(module.bp)
    app.register_blueprint(jobs.downloads)
