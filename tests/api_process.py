"""The API as the image runs it: gunicorn with deploy/gunicorn.conf.py, in its own process, on
a free loopback port, with the settings given as its environment."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.pg_cluster import free_port

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


class ApiProcess:
    def __init__(self, settings: dict[str, str], directory: Path, workers: int = 1):
        """`directory` (e.g. a test's tmp_path) receives its metrics files and its log."""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.environment = {
            "PATH": os.environ["PATH"],
            **settings,
            "PROMETHEUS_MULTIPROC_DIR": str(directory / f"prometheus-{self.port}"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
        }
        self.process: subprocess.Popen | None = None
        # A file, not a pipe: a pipe nobody reads until the end could fill and stall gunicorn.
        self.log_path = directory / f"api-{self.port}.log"

    def start(self) -> None:
        self.launch()
        self.wait_until_serving()

    def launch(self) -> None:
        """Start gunicorn without waiting for it (replicas start side by side)."""
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [GUNICORN, "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
                cwd=REPO,
                env=self.environment,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def wait_until_serving(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.read_log()
            try:
                httpx.get(f"{self.base_url}/health", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"{self.base_url} never answered")

    def stop(self) -> str:
        """Stop gracefully; return what it wrote to stderr (gunicorn's and the app's logs)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.read_log()

    def read_log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
