"""The API's HTTP server, the image's command `aai-api`: Granian serving `aai.wsgi:app`.

Granian (HTTP in Rust) keeps connections alive and parses requests for a fraction of gunicorn's
CPU per request; the app still runs in plain worker processes, one request at a time each, as
under gunicorn's sync workers (docs/decisions.md 72). Every Granian setting is read from its own
`GRANIAN_*` variable (`granian --help` names them); aai only sets defaults for the ones it cares
about, so an operator's value always wins.
"""

import os
import shutil
import sys
from pathlib import Path

from granian.cli import cli

from aai.config import ConfigError, load_config, read_environment
from aai.metrics import MULTIPROCESS_ENV


def default_settings(cpus: int) -> dict[str, str]:
    """aai's defaults for Granian, by its environment variable names."""
    return {
        "GRANIAN_INTERFACE": "wsgi",
        "GRANIAN_HOST": "0.0.0.0",  # noqa: S104 - the container's port; the platform publishes it
        "GRANIAN_PORT": "8000",
        # Requests are short and CPU-bound: more processes beat threads under the GIL.
        "GRANIAN_WORKERS": str(cpus * 2 + 1),
        "GRANIAN_BLOCKING_THREADS": "1",
        # HTTP/1.1 only: load balancers and proxies talk HTTP/1.1 to their backends.
        "GRANIAN_HTTP": "1",
        "GRANIAN_WEBSOCKETS": "false",
        "GRANIAN_RESPAWN_FAILED_WORKERS": "true",
        # SIGTERM: stop accepting, let requests in flight finish, kill what is left after 30 s.
        "GRANIAN_WORKERS_KILL_TIMEOUT": "30",
        # The app writes one JSON access line per request, with its request id.
        "GRANIAN_LOG_ACCESS_ENABLED": "false",
    }


def reset_metrics_directory() -> None:
    """Start Prometheus' multiprocess directory empty: old samples would be counted again."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def main() -> None:
    """Check the configuration once (one message naming every problem, exit 1), then serve."""
    for name, value in default_settings(os.cpu_count() or 1).items():
        os.environ.setdefault(name, value)
    # Workers share their samples through this directory (set before they fork); only the
    # API's server uses it, the migration and worker commands run without it.
    os.environ.setdefault(MULTIPROCESS_ENV, "/tmp/aai-prometheus")  # noqa: S108 - private to the container
    try:
        load_config(read_environment())
    except ConfigError as error:
        raise SystemExit(str(error)) from None
    reset_metrics_directory()
    # Options on the command line (`aai-api --workers 3`) win over the environment, as in Granian.
    cli([*sys.argv[1:], "aai.wsgi:app"], prog_name="aai-api", auto_envvar_prefix="GRANIAN")


if __name__ == "__main__":
    main()
