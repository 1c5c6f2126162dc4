"""`make run`'s stack comes up offline, serves a demo user's calls, and stops on Ctrl-C."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.pg_cluster import free_port
from tests.world import USER_IDS

# The whole `make run` stack from scratch: ~12 s measured (issue 18), more on a busy machine.
pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parent.parent


def get(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(url, headers=headers, timeout=10).status_code


def wait_until_up(url: str, stack: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert stack.poll() is None, stack.stdout.read()
        try:
            if get(url) == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the stack did not come up")


def mint_token(emulator_url: str) -> str:
    body = {"sub": USER_IDS["biocommons.admin@example.org"]}
    return httpx.post(f"{emulator_url}/_emulator/token", json=body, timeout=10).json()[
        "access_token"
    ]


def test_stack_serves_a_demo_user_and_stops_on_ctrl_c(tmp_path):
    api_port, emulator_port = free_port(), free_port()
    environment = {
        **os.environ,
        "PORT": str(api_port),
        "EMULATOR_PORT": str(emulator_port),
        "DB_URL": f"sqlite:///{tmp_path / 'stack.sqlite3'}",
        "LOG_DIR": str(tmp_path),
    }
    stack = subprocess.Popen(
        ["scripts/dev-stack.sh"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{api_port}"
    try:
        wait_until_up(f"{base}/health", stack)
        token = mint_token(f"http://127.0.0.1:{emulator_port}")
        assert get(f"{base}/me/profile", token) == 200
        assert get(f"{base}/admin/users", token) == 200
        assert get(f"{base}/docs") == 200
    finally:
        os.killpg(stack.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        output = stack.communicate(timeout=60)[0]
    assert "Stopped." in output
    assert "Summary:" in output
    for port in (api_port, emulator_port):
        with pytest.raises(httpx.ConnectError):
            get(f"http://127.0.0.1:{port}/health")
