"""The installed app's WSGI entry point: `aai-api` serves `aai.wsgi:app`; `FLASK_APP=aai.wsgi`.

Part of the package, so the image's commands need no file from the checkout and work in any
working directory. The checkout's `wsgi.py` re-exports it for `flask --app wsgi ...`.
"""

import sys

from aai import create_app
from aai.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    # One readable message naming every problem, and a non-zero exit, instead of a traceback.
    sys.exit(str(error))
