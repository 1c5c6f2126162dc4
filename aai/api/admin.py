"""`/admin`: what platform and group admins use (every route needs a general admin)."""

from flask import jsonify
from flask_smorest import Blueprint

from aai.api.schemas import BOOLEAN
from aai.auth import authenticated
from aai.permissions import administered_platform_ids, find_platform, require_general_admin

bp = Blueprint("admin", __name__, url_prefix="/admin", description="Administration")


@bp.get("/platforms/<platform_id>/is-admin")
@authenticated
@bp.response(200, BOOLEAN)
def is_platform_admin(platform_id: str):
    """Whether the caller administers this platform (general admins only)."""
    token = require_general_admin()
    platform = find_platform(platform_id)
    return jsonify(platform.id in administered_platform_ids(token))
