"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from aai import create_app
from aai.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # One readable message naming every problem, and a non-zero exit, instead of a traceback.
    sys.exit(str(error))
