"""A local stand-in for Auth0 (OIDC, Authentication and Management API) for tests and `make run`.

Standalone: it imports nothing from `aai`, and the production image leaves it out.
"""

import re
from pathlib import Path

from flask import Flask
from flask_cors import CORS

from auth0_emulator import authentication, control, oidc, recaptcha
from auth0_emulator.errors import register_error_handlers
from auth0_emulator.management import register_management
from auth0_emulator.middleware import EmulatorMiddleware
from auth0_emulator.seed import load_seed
from auth0_emulator.state import EXTENSION, Emulator

# The endpoints a browser calls across origins (spa-js's token calls, the portal's logout etc.).
BROWSER_ENDPOINTS = (r"/oauth/.*", r"/userinfo", r"/dbconnections/.*", r"/\.well-known/.*")


def create_app(seed: str | Path | dict | None = None, base_url: str | None = None) -> Flask:
    """An emulator app holding the tenant `seed` describes (a path, a loaded seed, or the demo).

    `base_url` fixes the tenant's URL (issuer `{base_url}/`); without it each request's host is
    used. A server that binds port 0 can set it later with `set_base_url`.
    """
    app = Flask(__name__)
    emulator = Emulator(seed if isinstance(seed, dict) else load_seed(seed), base_url)
    app.extensions[EXTENSION] = emulator
    for module in (oidc, authentication, recaptcha, control):
        app.register_blueprint(module.bp)
    register_management(app)
    register_error_handlers(app)
    _enable_cors(app, emulator)
    # Flask's documented way to wrap its WSGI app; mypy refuses assigning to a method.
    app.wsgi_app = EmulatorMiddleware(app.wsgi_app, emulator)  # type: ignore[method-assign]
    return app


def set_base_url(app: Flask, base_url: str) -> None:
    app.extensions[EXTENSION].fixed_base_url = base_url.rstrip("/")


def _enable_cors(app: Flask, emulator: Emulator) -> None:
    origins = sorted({origin for c in emulator.tenant.clients.values() for origin in c.web_origins})
    resources: dict[str | re.Pattern[str], dict[str, object]] = dict.fromkeys(
        BROWSER_ENDPOINTS, {"origins": origins}
    )
    CORS(app, resources=resources, methods=["GET", "POST"], max_age=600)
