"""A throwaway PostgreSQL cluster for the test session, started from the machine's binaries.

`initdb` and `pg_ctl` refuse to run as root, so as root they run as the `postgres` user. The
cluster listens on a free loopback port, in a temporary directory removed at the end.
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg2

BINDIR_GLOB = "/usr/lib/postgresql/*/bin"


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL server bin directory (override: AAI_TEST_PG_BINDIR)."""
    override = os.environ.get("AAI_TEST_PG_BINDIR")
    candidates = [Path(override)] if override else [Path(path) for path in glob.glob(BINDIR_GLOB)]
    usable = [path for path in candidates if (path / "initdb").is_file()]
    return max(usable, key=lambda path: path.parent.name.zfill(4), default=None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresCluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.directory = Path(tempfile.mkdtemp(prefix="aai-test-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.directory, user="postgres", group="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start_server()

    def start_server(self) -> None:
        # Durability settings off: the cluster lives for one test session.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def pause(self) -> None:
        """Stop the server but keep its data (an outage); `start_server` brings it back."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres"
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def run_sql_files(self, database: str, *files: Path) -> None:
        """Load SQL files with psql, as an operator would (stops at the first error)."""
        command = [
            str(self.bindir / "psql"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]
        command += ["-U", "postgres", "-d", database]
        for path in files:
            command += ["-f", str(path)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr}")
