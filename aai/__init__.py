"""aai: the BioCommons Access backend. `create_app` is a table of contents; it does no I/O."""

from collections.abc import Mapping

from flask import Flask

from aai.api import register_blueprints
from aai.caching import init_caches
from aai.cli import register_cli
from aai.config import load_config, read_environment
from aai.dashboard import init_admin
from aai.errors import register_error_handlers
from aai.extensions import init_extensions
from aai.http_edge import init_http_edge, send_cors_headers_to_cors_requests_only
from aai.identity.auth0 import init_auth0
from aai.identity.tokens import init_auth
from aai.limits import init_limits
from aai.logs import configure_logging, register_request_logging
from aai.metrics import init_metrics
from aai.requests import App

API_SETTINGS = {
    "API_TITLE": "AAI Backend API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/docs-assets/",
    # /redoc as the original (FastAPI) serves it: the page loads Redoc from the same CDN; no
    # Python package ships Redoc's script without a framework around it.
    "OPENAPI_REDOC_PATH": "redoc",
    "OPENAPI_REDOC_URL": "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
    "JSON_SORT_KEYS": False,
}


def create_app(config: Mapping[str, str] | None = None) -> Flask:
    """Build the app from `config` (env-style strings) or, when None, the environment."""
    settings = load_config(read_environment() if config is None else config)
    app = App(__name__)
    app.config.update(API_SETTINGS)
    app.config.update(settings)
    configure_logging(app)
    init_http_edge(app)
    init_extensions(app)
    send_cors_headers_to_cors_requests_only(app)
    init_caches(app)
    init_auth0(app)
    init_auth(app)
    init_limits(app)
    register_blueprints(app)
    init_admin(app)
    init_metrics(app)  # after the views: its per-view counter wraps the views registered
    register_error_handlers(app)
    register_request_logging(app)
    register_cli(app)
    return app
