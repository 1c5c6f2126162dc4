"""`/me`: the calling user's own view of their access."""

from flask import jsonify
from flask_smorest import Blueprint
from sqlalchemy import select

from aai.api.schemas import BOOLEAN, AdminGroupOut, AdminPlatformOut
from aai.auth import authenticated, current_token
from aai.extensions import db
from aai.models import BiocommonsGroup, Platform
from aai.permissions import administered_group_ids, administered_platform_ids, is_general_admin

bp = Blueprint("me", __name__, url_prefix="/me", description="The current user")


@bp.get("/is-general-admin")
@authenticated
@bp.response(200, BOOLEAN)
def is_general_admin_view():
    """Whether the caller may use the admin pages (always a boolean for a valid token)."""
    return jsonify(is_general_admin(current_token()))


@bp.get("/platforms/admin-roles")
@authenticated
@bp.response(200, AdminPlatformOut(many=True))
def platforms_administered():
    """Platforms the caller administers."""
    ids = administered_platform_ids(current_token())
    return db.session.scalars(select(Platform).where(Platform.id.in_(ids)).order_by(Platform.name))


@bp.get("/groups/admin-roles")
@authenticated
@bp.response(200, AdminGroupOut(many=True))
def groups_administered():
    """Groups the caller administers."""
    ids = administered_group_ids(current_token())
    query = select(BiocommonsGroup).where(BiocommonsGroup.group_id.in_(ids))
    return db.session.scalars(query.order_by(BiocommonsGroup.name))
