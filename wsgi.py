"""The checkout's entry point: `flask --app wsgi ...` (see aai/wsgi.py)."""

from aai.wsgi import app

__all__ = ["app"]
