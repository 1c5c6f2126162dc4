"""Builds the API (flask-smorest, per app) and registers the resource blueprints (D1 paths)."""

from flask import Flask
from flask_smorest import Api

from aai.api import docs, service
from aai.errors import ErrorSchema

RESOURCE_BLUEPRINTS = (service.bp,)


class AaiApi(Api):
    """flask-smorest Api that documents aai's one error shape (D2) and leaves error handling
    to `aai.errors` (its own HTTPException handler would answer in another shape)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass


def register_blueprints(app: Flask) -> None:
    api = AaiApi(app)
    for blueprint in RESOURCE_BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.assets_bp)


def api_of(app: Flask) -> AaiApi:
    """The app's Api, e.g. to register a blueprint after the factory ran."""
    return app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
