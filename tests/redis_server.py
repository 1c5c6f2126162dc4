"""A throwaway Redis server for the test session, started from the machine's `redis-server`.

It listens on a free loopback port, keeps nothing on disk (no snapshots, no append-only file)
and works in a temporary directory removed when it stops.
"""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.pg_cluster import free_port


def find_redis_server() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    def __init__(self, executable: str):
        self.executable = executable
        self.directory = Path(tempfile.mkdtemp(prefix="aai-test-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> None:
        command = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "", "--appendonly", "no"]
        log = (self.directory / "server.log").open("w")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False

    def flush(self) -> None:
        """Forget every key (rate-limit counters included)."""
        redis.Redis.from_url(self.url).flushall()

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
