"""Service information and health checks (no authentication)."""

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from flask import Response, jsonify
from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from aai.api.schemas import HealthOut, ServiceInfoOut
from aai.errors import ErrorSchema, ServiceUnavailableError
from aai.extensions import db

bp = Blueprint("service", __name__, description="Service information and health checks")

# The answers below are fixed: the views return them as JSON responses, which flask-smorest
# passes on without dumping them through their (documenting) schemas again on every call.
HEALTHY = {"status": "ok"}


@cache  # reading the installed metadata parses a file: ~1 ms, more than the rest of `GET /`
def package_version() -> str:
    try:
        return version("aai")
    except PackageNotFoundError:
        return "unknown"


@bp.get("/")
@bp.response(200, ServiceInfoOut)
def root() -> Response:
    """Name and version of the API (as the original's `GET /`)."""
    return jsonify(message="AAI Backend API", version=package_version())


@bp.get("/health")
@bp.response(200, HealthOut)
def health() -> Response:
    """Liveness: the process is up and serving."""
    return jsonify(HEALTHY)


@bp.get("/health/ready")
@bp.response(200, HealthOut)
@bp.alt_response(503, schema=ErrorSchema, description="The database is unreachable.")
def ready() -> Response:
    """Readiness: the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise ServiceUnavailableError("Database unreachable.") from error
    return jsonify(HEALTHY)
