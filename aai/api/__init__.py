"""Builds the API (flask-smorest, per app) and registers the resource blueprints (D1 paths)."""

from flask import Flask
from flask_smorest import Api

from aai.api import admin, biocommons_admin, docs, me, register, service, utils
from aai.errors import ErrorSchema

RESOURCE_BLUEPRINTS = (
    service.bp,
    me.bp,
    register.bp,
    utils.bp,
    admin.bp,
    biocommons_admin.bp,
)


class AaiApi(Api):
    """flask-smorest Api that documents aai's one error shape (D2) and leaves error handling
    to `aai.errors` (its own HTTPException handler would answer in another shape)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def register_blueprints(app: Flask) -> None:
    api = AaiApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blueprint in RESOURCE_BLUEPRINTS:
        api.register_blueprint(blueprint)
    # SBP self-registration exists outside production only (20 §1.1; any spelling of prod).
    if app.config["ENVIRONMENT"] != "production":
        api.register_blueprint(register.sbp_bp)
    app.register_blueprint(docs.assets_bp)


def api_of(app: Flask) -> AaiApi:
    """The app's Api, e.g. to register a blueprint after the factory ran."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
