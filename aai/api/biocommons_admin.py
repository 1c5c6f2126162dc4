"""`/biocommons-admin` endpoints (being built)."""

from flask_smorest import Blueprint

bp = Blueprint("biocommons_admin", __name__, url_prefix="/biocommons-admin")
