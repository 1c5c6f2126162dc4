"""The read-only database dashboard at `/db-admin/` (D9): Flask-Admin behind an Auth0 login.

Built per app by `init_admin` (a module-level `Admin` breaks the second app a process creates)
and only when `ENABLE_ADMIN_DASHBOARD` is on; otherwise nothing is registered and `/db-admin/`
is a plain 404.
"""

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from aai.dashboard import auth, views

TITLE = "AAI Backend Admin"
URL = "/db-admin"
ENDPOINT = "db_admin"


def init_admin(app: Flask) -> None:
    """Register the login routes and the dashboard's views on `app` (no I/O)."""
    if not app.config["ENABLE_ADMIN_DASHBOARD"]:
        return
    auth.init_login(app, dashboard_endpoint=f"{ENDPOINT}.index")
    admin = Admin(
        name=TITLE,
        url=URL,
        endpoint=ENDPOINT,
        index_view=views.DashboardIndexView(name="Home", url=URL, endpoint=ENDPOINT),
        theme=Bootstrap4Theme(base_template="admin/aai_master.html", fluid=True),
    )
    for view in views.model_views():
        admin.add_view(view)
    admin.init_app(app)
