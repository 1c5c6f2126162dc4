"""Service information and health checks (no authentication)."""

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from aai.api.schemas import HealthOut, ServiceInfoOut
from aai.errors import ErrorSchema, ServiceUnavailableError
from aai.extensions import db

bp = Blueprint("service", __name__, description="Service information and health checks")


@cache  # reading the installed metadata parses a file: ~1 ms, more than the rest of `GET /`
def package_version() -> str:
    try:
        return version("aai")
    except PackageNotFoundError:
        return "unknown"


@bp.get("/")
@bp.response(200, ServiceInfoOut)
def root():
    """Name and version of the API (as the original's `GET /`)."""
    return {"message": "AAI Backend API", "version": package_version()}


@bp.get("/health")
@bp.response(200, HealthOut)
def health():
    """Liveness: the process is up and serving."""
    return {"status": "ok"}


@bp.get("/health/ready")
@bp.response(200, HealthOut)
@bp.alt_response(503, schema=ErrorSchema, description="The database is unreachable.")
def ready():
    """Readiness: the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise ServiceUnavailableError("Database unreachable.") from error
    return {"status": "ok"}
