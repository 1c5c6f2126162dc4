"""The deployment: the image's recipe, the compose file, and the exact commands the containers
run (no Docker engine here), executed on loopback against PostgreSQL."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.pg_cluster import free_port
from tests.settings import settings

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent


def pins(lock: Path) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9_.-]+)==([^ ;\\\n]+)", lock.read_text(), flags=re.MULTILINE))


def test_dockerfile_installs_from_the_lock_and_runs_unprivileged():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "--require-hashes --no-deps -r deploy/requirements.lock" in dockerfile
    final_stage = dockerfile.rsplit("FROM ", 1)[1]
    assert re.search(r"^USER aai$", final_stage, flags=re.MULTILINE)
    assert final_stage.index("USER aai") < final_stage.index("CMD ")
    assert "HEALTHCHECK" in final_stage
    assert "/health" in final_stage
    copied = re.findall(r"^COPY .*$", dockerfile, flags=re.MULTILINE)
    assert not any("tests" in line or "auth0_emulator" in line for line in copied)


def test_runtime_lock_is_the_dev_lock_without_tools():
    runtime, development = pins(DEPLOY / "requirements.lock"), pins(REPO / "requirements.lock")
    assert runtime, "deploy/requirements.lock pins nothing"
    assert {name: development.get(name) for name in runtime} == runtime
    assert not {"pytest", "ruff", "moto", "schemathesis"} & set(runtime)


def test_compose_file_defines_the_rollout():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "api", "worker"}
    assert services["migrate"]["command"] == ["flask", "db", "upgrade"]
    assert services["worker"]["command"] == ["flask", "worker"]
    assert services["api"]["command"] == ["aai-api"]
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("migrate", "api", "worker"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert "DB_HOST" in services[name]["environment"]


def health_url(check: list[str]) -> str:
    """The URL an HTTP health check command opens."""
    assert check[0] == "CMD"
    (url,) = re.findall(r"urlopen\('([^']+)'", " ".join(check))
    return url


def test_each_container_has_its_own_health_check():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    final_stage = (DEPLOY / "Dockerfile").read_text().rsplit("FROM ", 1)[1]
    (image_check,) = re.findall(r"^HEALTHCHECK .*\n\s+CMD (.*)$", final_stage, flags=re.MULTILINE)
    # The image's check is the API's (liveness: the process answers, database or not).
    assert health_url(["CMD", *json.loads(image_check)]) == "http://127.0.0.1:8000/health"
    assert health_url(services["api"]["healthcheck"]["test"]) == "http://127.0.0.1:8000/health"
    # The worker serves no HTTP: its own check reads the heartbeat its scheduler refreshes.
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "flask", "worker-health"]
    # The one-shot migration has none (the image's would call it unhealthy while it runs).
    assert services["migrate"]["healthcheck"] == {"disable": True}


def test_compose_runs_the_image_command_for_the_api():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    (command,) = re.findall(r"^CMD (.*)$", (DEPLOY / "Dockerfile").read_text(), flags=re.MULTILINE)
    assert services["api"]["command"] == json.loads(command)


@pytest.fixture
def deployment(pg_cluster, tmp_path):
    """The containers' environment on loopback: a fresh database, metrics in multiprocess mode."""
    url = pg_cluster.create_database("aai_deploy")
    return {
        "PATH": os.environ["PATH"],
        "FLASK_APP": "aai.wsgi",
        **settings(DB_URL=url, TESTING=None, ENABLE_PROMETHEUS_METRICS="true"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "GRANIAN_HOST": "127.0.0.1",
        "GRANIAN_PORT": str(free_port()),
        "GRANIAN_WORKERS": "3",
    }


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def test_migration_then_the_server_serves_with_aggregated_metrics(deployment):
    # As in the image: only the API's server sets the metrics directory.
    migrate_environment = {k: v for k, v in deployment.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    migrate = subprocess.run(
        [BIN / "flask", "db", "upgrade"],
        cwd=REPO,
        env=migrate_environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    api = subprocess.Popen(
        [BIN / "aai-api"],
        cwd=REPO,
        env=deployment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{deployment['GRANIAN_PORT']}"
    try:
        wait_for(f"{base}/health/ready", api)
        with httpx.Client(base_url=base) as client:  # keep-alive spreads over the workers' accepts
            for _ in range(30):
                assert client.get("/", headers={"Connection": "close"}).status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
    finally:
        api.send_signal(signal.SIGTERM)
        api.communicate(timeout=40)
    served = re.search(
        r'http_requests_total\{handler="/",method="GET",status="2xx"\} (\S+)', metrics
    )
    assert served is not None, [line for line in metrics.splitlines() if "requests" in line]
    assert float(served[1]) == 30.0  # all workers' requests, aggregated
    assert api.returncode == 0
