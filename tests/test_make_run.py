"""`make run`'s stack comes up offline, serves the demo, refuses a second stack without touching
the first, runs the README's commands as written, and stops on Ctrl-C.

The stack runs in a process group of its own; whatever happens, the fixture stops that whole
group (SIGINT as Ctrl-C, then SIGTERM, then SIGKILL), so no process outlives the tests.
"""

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.pg_cluster import free_port
from tests.world import USER_IDS

# The whole `make run` stack from scratch: ~12 s measured (issue 18), more on a busy machine.
pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parent.parent
# A fresh shell: no venv on PATH, none of aai's settings.
FRESH_SHELL = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}


class Group:
    """A command started in a process group of its own, its output collected as it comes."""

    def __init__(self, command, environment: dict[str, str]):
        self.process = subprocess.Popen(
            list(command),
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, signalled as a whole
            preexec_fn=_restore_ctrl_c,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def alive(self) -> bool:
        """Is any process of the group left (the leader or anything it started)?"""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.process.poll() is None, self.output
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.output}"
            time.sleep(0.2)

    def signal_and_wait(self, sent: signal.Signals, timeout: float) -> bool:
        """Send `sent` to the group; True once every member is gone within `timeout`."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sent)
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            self.process.poll()  # reaps the leader, so the group can empty
            time.sleep(0.1)
        return not self.alive()

    def stop(self) -> None:
        """Ctrl-C, then SIGTERM, then SIGKILL to the whole group, until nothing of it is left."""
        for sent, timeout in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            if self.signal_and_wait(sent, timeout):
                break
        self.process.wait(timeout=10)
        self.reader.join(timeout=10)


def _restore_ctrl_c() -> None:
    # A test run started in the background inherits SIGINT ignored, and bash cannot trap an
    # ignored signal: give the stack the default a terminal's Ctrl-C would meet.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Stack:
    group: Group
    environment: dict[str, str]
    api: str
    emulator: str
    log_dir: Path


def get(url: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(url, headers=headers, timeout=10)


def mint_token(stack: Stack, email: str) -> str:
    body = {"sub": USER_IDS[email]}
    answer = httpx.post(f"{stack.emulator}/_emulator/token", json=body, timeout=10)
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    directory = tmp_path_factory.mktemp("stack")
    api_port, emulator_port = free_port(), free_port()
    environment = {
        **FRESH_SHELL,
        "PORT": str(api_port),
        "EMULATOR_PORT": str(emulator_port),
        "DB_URL": f"sqlite:///{directory / 'stack.sqlite3'}",
        "LOG_DIR": str(directory),
        "WORKER_HEARTBEAT_FILE": str(directory / "heartbeat"),
    }
    group = Group(["scripts/dev-stack.sh"], environment)
    try:
        group.wait_for_output("aai is running on", timeout=180)  # after the demo data
        yield Stack(
            group,
            environment,
            f"http://127.0.0.1:{api_port}",
            f"http://127.0.0.1:{emulator_port}",
            directory,
        )
    finally:
        group.stop()
        assert not group.alive()


def test_stack_serves_a_demo_user(stack):
    token = mint_token(stack, "biocommons.admin@example.org")
    assert get(f"{stack.api}/me/profile", token).status_code == 200
    assert get(f"{stack.api}/admin/users", token).status_code == 200
    assert get(f"{stack.api}/docs").status_code == 200


def test_the_demo_admin_sees_pending_revoked_and_unverified_users(stack):
    token = mint_token(stack, "biocommons.admin@example.org")
    counts = get(f"{stack.api}/admin/users/counts", token).json()
    assert counts["all"] > 0
    assert counts["pending"] > 0
    assert counts["revoked"] > 0
    assert counts["unverified"] > 0


def emulator_calls(stack: Stack) -> int:
    return len(httpx.get(f"{stack.emulator}/_emulator/requests", timeout=10).json())


def test_a_second_make_run_is_refused_at_once_and_changes_nothing(stack):
    worker_log = (stack.log_dir / "worker.log").read_bytes()
    calls = emulator_calls(stack)

    started = time.monotonic()
    second = subprocess.run(
        ["make", "run"], cwd=REPO, env=stack.environment, capture_output=True, text=True
    )

    assert second.returncode != 0
    assert time.monotonic() - started < 10
    (message,) = [line for line in second.stderr.splitlines() if not line.startswith("make:")]
    assert f"port {stack.api.rsplit(':', 1)[1]}" in message
    assert "running stack" in message
    assert "Starting" not in second.stdout
    # Neither synced, migrated nor truncated anything of the first stack, which still serves.
    assert emulator_calls(stack) == calls
    assert (stack.log_dir / "worker.log").read_bytes()[: len(worker_log)] == worker_log
    assert get(f"{stack.api}/health").status_code == 200


def readme_blocks() -> list[list[str]]:
    """The README's bash blocks, as lists of commands (continuation lines joined)."""
    text = (REPO / "README.md").read_text()
    blocks = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        lines = re.sub(r"\\\n\s*", "", block).splitlines()
        commands = [line.split("  #")[0].strip() for line in lines]
        blocks.append([command for command in commands if command and command[0] != "#"])
    return blocks


def as_written_here(stack: Stack, command: str) -> str:
    """The command with the README's ports replaced by this stack's."""
    api_port, emulator_port = stack.api.rsplit(":", 1)[1], stack.emulator.rsplit(":", 1)[1]
    return command.replace(":8000", f":{api_port}").replace(":5001", f":{emulator_port}")


def run_in_a_fresh_shell(stack: Stack, commands: list[str]) -> subprocess.CompletedProcess:
    script = "set -e -o pipefail\n" + "\n".join(as_written_here(stack, c) for c in commands)
    return subprocess.run(
        ["bash", "-c", script],
        cwd=REPO,
        env=stack.environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


def starts_and_stops_on_ctrl_c(stack: Stack, command: str, started: str) -> None:
    """A command that runs until stopped: it prints `started`, then Ctrl-C ends all of it."""
    group = Group(["bash", "-c", as_written_here(stack, command)], stack.environment)
    try:
        group.wait_for_output(started, timeout=60)
        assert group.signal_and_wait(signal.SIGINT, 20), group.output
    finally:
        group.stop()


def test_every_readme_command_works_as_written(stack):
    blocks = readme_blocks()
    assert any("make sync ARGS=--dry-run" in block for block in blocks)
    for commands in blocks:
        if commands[0].startswith(("make run", "make test")):
            continue  # the stack is running; the suite is this
        lasting = [command for command in commands if command.startswith("make worker")]
        others = [command for command in commands if command not in lasting]
        result = run_in_a_fresh_shell(stack, others)
        assert result.returncode == 0, (others, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, others
        for command in lasting:
            starts_and_stops_on_ctrl_c(stack, command, "Worker started")


def test_ctrl_c_stops_the_whole_stack(stack):
    assert stack.group.signal_and_wait(signal.SIGINT, 30), stack.group.output

    stack.group.reader.join(timeout=10)
    assert "Stopped." in stack.group.output
    assert "Summary:" in stack.group.output
    assert not (stack.log_dir / "dev-stack.pid").exists()
    for url in (stack.api, stack.emulator):
        with pytest.raises(httpx.ConnectError):
            get(f"{url}/health")
