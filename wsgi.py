"""The checkout's entry point: `gunicorn wsgi:app`, `flask --app wsgi ...` (see aai/wsgi.py)."""

from aai.wsgi import app

__all__ = ["app"]
