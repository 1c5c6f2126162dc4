"""`/utils` endpoints (being built)."""

from flask_smorest import Blueprint

bp = Blueprint("utils", __name__, url_prefix="/utils")
