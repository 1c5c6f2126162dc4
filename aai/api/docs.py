"""Serves Swagger UI's files from the installed swagger-ui-bundle, so `/docs` works offline."""

from flask import Blueprint
from swagger_ui_bundle import swagger_ui_path

assets_bp = Blueprint(
    "docs_assets", __name__, static_folder=swagger_ui_path, static_url_path="/docs-assets"
)
