"""The image minus its base layer: aai as `deploy/Dockerfile` ships it, run as the compose file
runs it, on loopback against a throwaway PostgreSQL, the Auth0 emulator and an SMTP server.

No container engine here can pull `python:3.11-slim`, so this test plays the Dockerfile itself:
the build stage's COPY and RUN lines build the wheel from a copy of the checkout and install it,
non-editable, with the locked runtime packages (`--require-hashes`) into a fresh virtualenv; the
final stage's COPY lines lay out the rest; the commands are the compose file's, run from WORKDIR
with the image's ENV. Nothing of the checkout is importable there, so a template, a migration
or a static file that the wheel leaves out fails this test. One slow test (about a minute).
"""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import yaml

from tests.api.user_fixtures import TSI_ADMIN_EMAIL
from tests.pg_cluster import free_port
from tests.settings import emulator_settings
from tests.world import RECAPTCHA_PASS

# Builds and installs the wheel, then runs the image's commands: ~60 s measured (issue 18).
pytestmark = pytest.mark.timeout(180)

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "deploy" / "Dockerfile"
COMPOSE = REPO / "deploy" / "compose.yaml"
ADMIN_ROLE = "biocommons/role/biocommons/admin"
BIOCOMMONS_ADMIN = ("biocommons.admin@example.org", "BioCommons-Admin-Passw0rd!")
# The emulator's seed allows the dashboard's callback on this address only; requests go to the
# API's real port and carry this Host, as behind a proxy.
DASHBOARD_HOST = "127.0.0.1:8000"


# --- the Dockerfile, read as data -----------------------------------------------------------


@dataclass
class Stage:
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def lines(self, keyword: str) -> list[str]:
        return [arguments for name, arguments in self.instructions if name == keyword]


def dockerfile_stages(text: str) -> list[Stage]:
    """The stages and their instructions (continuation lines joined, comments dropped)."""
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    )
    stages: list[Stage] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        keyword, _, arguments = line.strip().partition(" ")
        if keyword == "FROM":
            stages.append(Stage(arguments.split(" AS ")[-1] if " AS " in arguments else "final"))
        else:
            stages[-1].instructions.append((keyword, arguments.strip()))
    return stages


def copy_arguments(arguments: str) -> tuple[str | None, list[str], str]:
    """`COPY [--from=stage] [--chown=...] source... destination`: stage, sources, destination."""
    words = shlex.split(arguments)
    options = {word.split("=")[0]: word.split("=", 1)[1] for word in words if word.startswith("--")}
    paths = [word for word in words if not word.startswith("--")]
    return options.get("--from"), paths[:-1], paths[-1]


class Filesystem:
    """Container paths on the host: the final stage's in `final`, the build stage's own in
    `build`. What the final stage copies from the build stage is built in place in `final`
    (a virtualenv cannot move), so such a COPY must keep its path."""

    def __init__(self, root: Path, from_build: set[str]):
        self.final, self.build, self.from_build = root / "final", root / "build", from_build

    def host(self, path: str, stage: str) -> Path:
        in_final = stage == "final" or any(
            path == kept or path.startswith(f"{kept}/") for kept in self.from_build
        )
        return (self.final if in_final else self.build) / path.lstrip("/")

    def rewrite(self, text: str, stage: str) -> str:
        """Absolute container paths inside a command line or ENV value, made host paths."""
        return re.sub(r"(?<![\w.$])/[\w./-]+", lambda m: str(self.host(m[0], stage)), text)


def copy_into(filesystem: Filesystem, stage: Stage, source: str, destination: str) -> None:
    target = filesystem.host(destination, stage.name)
    origin = REPO / source
    if origin.is_dir():
        shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
        return
    if destination.endswith("/"):
        target = target / origin.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(origin, target)


def play_build_stage(filesystem: Filesystem, stage: Stage, tools: Path) -> None:
    """COPY from the checkout and RUN, in order, with container paths on the host."""
    workdir = filesystem.host("/", stage.name)
    environment = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"}
    environment.pop("PYTHONPATH", None)
    for keyword, arguments in stage.instructions:
        if keyword == "WORKDIR":
            workdir = filesystem.host(arguments, stage.name)
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            _, sources, destination = copy_arguments(arguments)
            for source in sources:
                copy_into(filesystem, stage, source, destination)
        elif keyword == "RUN":
            command = filesystem.rewrite(arguments, stage.name)
            result = run_to_the_end(["/bin/sh", "-c", command], environment, workdir, 300)
            assert result.returncode == 0, f"RUN {arguments}\n{result.stderr[-3000:]}"


def play_final_stage(filesystem: Filesystem, stage: Stage) -> tuple[Path, dict[str, str]]:
    """Lay out the final stage's COPY lines; its WORKDIR and ENV, as host values."""
    workdir, environment = filesystem.final, {"PATH": os.environ["PATH"]}
    for keyword, arguments in stage.instructions:
        if keyword == "WORKDIR":
            workdir = filesystem.host(arguments, "final")
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            origin_stage, sources, destination = copy_arguments(arguments)
            if origin_stage is None:
                for source in sources:
                    copy_into(filesystem, stage, source, destination)
        elif keyword == "ENV":
            for assignment in shlex.split(arguments):
                name, value = assignment.split("=", 1)
                value = filesystem.rewrite(value, "final")
                environment[name] = value.replace("$PATH", environment["PATH"])
    return workdir, environment


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> tuple[Filesystem, Path, dict[str, str]]:
    """The final stage's files on the host, its WORKDIR and its ENV."""
    build, final = dockerfile_stages(DOCKERFILE.read_text())
    from_build = set()
    for arguments in final.lines("COPY"):
        origin_stage, sources, destination = copy_arguments(arguments)
        if origin_stage is not None:
            assert origin_stage == build.name, arguments
            assert sources == [destination], f"{arguments}: the emulation needs the same path"
            from_build.add(destination)
    filesystem = Filesystem(tmp_path_factory.mktemp("image"), from_build)
    tools = tmp_path_factory.mktemp("tools")
    (tools / "python").symlink_to(sys.executable)  # the base image's interpreter
    play_build_stage(filesystem, build, tools)
    workdir, environment = play_final_stage(filesystem, final)
    return filesystem, workdir, environment


# --- running the containers' commands ------------------------------------------------------


def run_to_the_end(
    argv: list[str], environment: dict, cwd: Path, timeout: float
) -> subprocess.CompletedProcess:
    """Run a command in its own process group; on a timeout nothing of the group survives."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        stop_group(process)
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def compose_services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def on_host(command: list[str], filesystem: Filesystem) -> list[str]:
    """A container's command line with its container paths (`/app/...`) on the host."""
    return [filesystem.rewrite(word, "final") for word in command]


@contextmanager
def service(command: list[str], environment: dict, cwd: Path, log: Path) -> Iterator[dict]:
    """Run a long-lived command in its own process group; always stopped (TERM, then KILL)."""
    executable = shutil.which(command[0], path=environment["PATH"])
    with log.open("w") as output:
        process = subprocess.Popen(
            [executable, *command[1:]],
            cwd=cwd,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    outcome = {"process": process, "log": log}
    try:
        yield outcome
    finally:
        stop_group(process)
        outcome["returncode"] = process.returncode


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the command, as `docker stop` does; then nothing of its group survives."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=40)
    with suppress(ProcessLookupError):  # the group may be gone already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def run_once(command: list[str], environment: dict, cwd: Path) -> subprocess.CompletedProcess:
    executable = shutil.which(command[0], path=environment["PATH"])
    return run_to_the_end([executable, *command[1:]], environment, cwd, 120)


def wait_until(check, what: str, running: list[dict], timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for started in running:
            assert started["process"].poll() is None, tail(started["log"])
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{what} never happened\n" + "\n".join(tail(s["log"]) for s in running))


# --- what the test does through the running services -----------------------------------------


def database_environment(pg_cluster, name: str) -> dict[str, str]:
    """The compose file's database variables, pointing at the throwaway cluster."""
    pg_cluster.create_database(name)
    values = {
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(pg_cluster.port),
        "DB_NAME": name,
        "DB_USER": "postgres",
        "DB_PASSWORD": "ignored-by-trust-auth",
    }
    assert set(compose_services()["api"]["environment"]) == set(values)
    return values


def job_finished(log: Path, job: str) -> bool:
    """The worker logged a successful run of `job` (its JSON log lines, on stderr)."""
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("message") == "job finished" and entry.get("job") == job:
                return True
    return False


def register_with_a_bundle(api: httpx.Client) -> httpx.Response:
    return api.post(
        "/biocommons/register",
        json={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@unsw.edu.au",
            "username": "ada_lovelace",
            "password": "Str0ng-Passw0rd!",
            "recaptcha_token": RECAPTCHA_PASS,
            "bundles": [{"bundle_id": "tsi", "reason": "quolls"}],
        },
    )


def log_in_to_the_dashboard(api: httpx.Client, emulator) -> httpx.Response:
    """The admin's whole login: aai -> the emulator's form -> aai's callback -> the dashboard."""
    host = {"Host": DASHBOARD_HOST}
    start = api.get("/db-admin/login", headers=host)
    assert start.status_code == 302, start.text
    with httpx.Client(timeout=10) as browser:
        authorize = browser.get(start.headers["Location"])
        assert authorize.status_code == 302, authorize.text
        login_page = urljoin(str(authorize.url), authorize.headers["location"])
        state = parse_qs(urlsplit(login_page).query)["state"][0]
        email, password = BIOCOMMONS_ADMIN
        answer = browser.post(
            f"{emulator.url}/u/login",
            data={"state": state, "username": email, "password": password},
        )
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])
    assert callback.netloc == DASHBOARD_HOST
    entered = api.get(f"{callback.path}?{callback.query}", headers=host)
    assert entered.status_code == 302, entered.text
    return api.get("/db-admin/", headers=host)


def assert_static_files_served(api: httpx.Client, page: str, pattern: str) -> None:
    assets = re.findall(pattern, page)
    assert assets, page[:2000]
    for asset in assets[:3]:
        assert api.get(asset, headers={"Host": DASHBOARD_HOST}).status_code == 200, asset


@pytest.mark.slow
def test_the_image_migrates_serves_and_delivers_from_the_installed_package(
    image, pg_cluster, emulator, smtp_server, tmp_path
):
    filesystem, workdir, image_environment = image
    services = compose_services()
    mailbox, smtp_port = smtp_server()
    assert not (workdir / "aai").exists()
    assert "PYTHONPATH" not in image_environment
    environment = {
        **image_environment,
        **emulator_settings(
            emulator,
            TESTING=None,
            CACHE_TTL_SECONDS=None,
            DB_URL=None,
            LOG_LEVEL="INFO",
            EMAIL_BACKEND="smtp",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp_port),
            SMTP_STARTTLS="false",
            ENABLE_PROMETHEUS_METRICS="true",
            WORKER_METRICS_PORT=str(free_port()),
            WORKER_HEARTBEAT_FILE=str(tmp_path / "heartbeat"),
            ENABLE_ADMIN_DASHBOARD="true",
            ADMIN_CLIENT_ID=emulator.dashboard_client_id,
            ADMIN_CLIENT_SECRET=emulator.dashboard_client_secret,
            ADMIN_ROLES=f'["{ADMIN_ROLE}"]',
        ),
        **database_environment(pg_cluster, "aai_as_shipped"),
    }

    where = run_once(["python", "-c", "import aai; print(aai.__file__)"], environment, workdir)
    assert where.stdout.startswith(str(filesystem.final / "venv")), where

    # migrate: from WORKDIR as the image runs it, then from another directory (now a no-op).
    migrate = on_host(services["migrate"]["command"], filesystem)
    for cwd in (workdir, tmp_path):
        migrated = run_once(migrate, environment, cwd)
        assert migrated.returncode == 0, migrated.stderr

    api_port = free_port()
    api_environment = {
        **environment,
        "GRANIAN_HOST": "127.0.0.1",
        "GRANIAN_PORT": str(api_port),
        "GRANIAN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    with ExitStack() as stack:
        api, worker = (
            stack.enter_context(
                service(on_host(services[name]["command"], filesystem), env, workdir, log)
            )
            for name, env, log in (
                ("api", api_environment, tmp_path / "api.log"),
                ("worker", environment, tmp_path / "worker.log"),
            )
        )
        running = [api, worker]
        client = stack.enter_context(
            httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=15)
        )
        wait_until(lambda: client.get("/health/ready").status_code == 200, "readiness", running)
        assert client.get("/health").json() == {"status": "ok"}

        # A request that renders emails, then the worker's delivery through SMTP.
        # The start-up roles sync makes the bundle groups, their admin links and platform roles.
        wait_until(
            lambda: job_finished(worker["log"], "sync_auth0_roles"), "the roles sync", running
        )
        registered = register_with_a_bundle(client)
        assert registered.status_code == 200, registered.text + tail(api["log"])
        wait_until(
            lambda: any(TSI_ADMIN_EMAIL in envelope.rcpt_tos for envelope in mailbox.received),
            "the admin's email",
            running,
        )
        delivered = next(e for e in mailbox.received if TSI_ADMIN_EMAIL in e.rcpt_tos).content
        assert b"Threatened Species Initiative Service Bundle request" in delivered
        assert b"ada@unsw.edu.au" in delivered

        # The dashboard (aai's templates and Flask-Admin's) and static files of dependencies.
        # Its admin needs a live row: an operator's one-shot users sync, with the image's CLI.
        synced = run_once(
            on_host(["flask", "sync-auth0", "--users"], filesystem), environment, workdir
        )
        assert synced.returncode == 0, synced.stdout + synced.stderr
        dashboard = log_in_to_the_dashboard(client, emulator)
        assert dashboard.status_code == 200, dashboard.text
        assert "BioCommons Admin" in dashboard.text
        assert_static_files_served(client, dashboard.text, r'(/db-admin/static/[^"?]+)')
        docs = client.get("/docs")
        assert docs.status_code == 200
        assert_static_files_served(client, docs.text, r'(/docs-assets/[^"?]+\.(?:css|js))')

        metrics = client.get("/metrics").text
        assert 'handler="/biocommons/register",method="POST",status="2xx"' in metrics
        worker_metrics = httpx.get(f"http://127.0.0.1:{environment['WORKER_METRICS_PORT']}").text
        assert 'aai_worker_job_runs_total{job="process_email_queue",outcome="ok"}' in worker_metrics

        # The worker container's own health check, as compose runs it.
        check = services["worker"]["healthcheck"]["test"]
        assert check[0] == "CMD"
        healthy = run_once(on_host(check[1:], filesystem), environment, workdir)
        assert healthy.returncode == 0, healthy.stderr

    assert (api["returncode"], worker["returncode"]) == (0, 0), tail(worker["log"])
    assert "Worker stopped." in worker["log"].read_text()
