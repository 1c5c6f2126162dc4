"""Registration endpoints: `/biocommons/register` and `/sbp/register` (being built)."""

from flask_smorest import Blueprint

bp = Blueprint("register", __name__)
