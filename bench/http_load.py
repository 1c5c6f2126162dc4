"""The HTTP benchmark of 00-product.md "Targets": 100,000 users, the API under gunicorn with the
deploy config, `wrk -t2 -c16 -d20s` with valid tokens, all on this machine.

Starts a throwaway PostgreSQL cluster, seeds it (bench.admin_seed), starts the Auth0 emulator
(JWKS for the tokens, /userinfo and user searches for the calls that need Auth0) and gunicorn,
then runs wrk per call and once with a mixed portal workload. Prints a table and writes it to
bench/results.md with the machine and versions.

Usage: .venv/bin/python -m bench.http_load [--users 100000] [--duration 20] [--only NAME]
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg2

from bench.admin_seed import ADMIN_ROLES, ADMIN_USERS, seed
from tests.pg_cluster import PostgresCluster, find_bindir, free_port

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.md"
ADMIN_LIST_TARGET = (500, 100)  # requests/s at least, p99 ms at most
COUNTS_TARGET = (150, 200)
ME_TARGET = (1800, 30)


@dataclass(frozen=True)
class Call:
    name: str
    path: str
    caller: str  # whose token: "admin", "member" or "none"
    target: tuple[int, int] | None


CALLS = (
    Call("admin: all users, page 1", "/admin/users?page=1&per_page=50", "admin", ADMIN_LIST_TARGET),
    Call(
        "admin: all users, page 1000",
        "/admin/users?page=1000&per_page=50",
        "admin",
        ADMIN_LIST_TARGET,
    ),
    Call(
        "admin: search",
        "/admin/users?page=1&per_page=50&search=person4242.",
        "admin",
        ADMIN_LIST_TARGET,
    ),
    Call(
        "admin: pending page",
        "/admin/users?page=1&per_page=50&approval_status=pending",
        "admin",
        ADMIN_LIST_TARGET,
    ),
    Call("admin: pages", "/admin/users/pages?page=1&per_page=50", "admin", ADMIN_LIST_TARGET),
    Call("admin: counts", "/admin/users/counts", "admin", COUNTS_TARGET),
    Call("me: is-general-admin", "/me/is-general-admin", "member", ME_TARGET),
    Call("me: groups", "/me/groups", "member", ME_TARGET),
    Call("me: platforms", "/me/platforms", "member", ME_TARGET),
    Call("me: profile (Auth0 /userinfo)", "/me/profile", "member", None),
    Call(
        "utils: username availability",
        "/utils/register/check-username-availability?username=nobody_here",
        "none",
        None,
    ),
)
MIXED = ("mixed portal workload", [call for call in CALLS if call.caller != "none"])


def start_emulator() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "auth0_emulator", "--host", "127.0.0.1", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return process, process.stdout.readline().strip()


def token(emulator: str, sub: str, roles: list[str]) -> str:
    body = {"sub": sub, "roles": roles, "expires_in": 3600}
    return httpx.post(f"{emulator}/_emulator/token", json=body, timeout=30).json()["access_token"]


def environment(emulator: str, database_url: str, bind: str = "127.0.0.1:8000") -> dict:
    return {
        "PATH": os.environ["PATH"],
        "ENVIRONMENT": "dev",
        "DB_URL": database_url,
        "AUTH0_DOMAIN": emulator,
        "AUTH0_AUDIENCE": "https://api.aai.local",
        "AUTH0_MANAGEMENT_ID": "dev-management-client",
        "AUTH0_MANAGEMENT_SECRET": "dev-management-secret-not-for-production",
        "JWT_SECRET_KEY": "bench-secret",
        "RECAPTCHA_SECRET": "bench-secret",
        "CORS_ALLOWED_ORIGINS": "http://localhost:4200",
        "NO_REPLY_EMAIL_SENDER": "no-reply@aai.local",
        "EMAIL_BACKEND": "console",
        "LOG_LEVEL": os.environ.get("AAI_BENCH_LOG_LEVEL", "WARNING"),
        # The benchmark measures throughput, not the abuse limits.
        "RATELIMIT_AVAILABILITY": "1000000/minute",
        "GUNICORN_BIND": bind,
        # Worker and thread counts can be tried from the command line (GUNICORN_WORKERS=...).
        **{name: value for name, value in os.environ.items() if name.startswith("GUNICORN_")},
    }


def a_member(connection) -> tuple[str, str, str]:
    """A live seeded user with platform memberships, for the /me calls: id, email, username."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.id, u.email, u.username FROM biocommons_user u "
            "JOIN platformmembership m ON m.user_id = u.id "
            "WHERE NOT u.is_deleted AND NOT m.is_deleted ORDER BY u.id LIMIT 1"
        )
        return cursor.fetchone()


def add_to_auth0(emulator: str, user_id: str, email: str, username: str) -> None:
    """The member also exists in Auth0 (the emulator), so /me/profile's /userinfo call works."""
    credentials = {
        "grant_type": "client_credentials",
        "client_id": "dev-management-client",
        "client_secret": "dev-management-secret-not-for-production",
        "audience": f"{emulator}/api/v2/",
    }
    management = httpx.post(f"{emulator}/oauth/token", json=credentials, timeout=30).json()
    user = {
        "user_id": user_id,
        "email": email,
        "username": username,
        "password": "Bench-Passw0rd!",
        "connection": "Username-Password-Authentication",
        "email_verified": True,
    }
    headers = {"Authorization": f"Bearer {management['access_token']}"}
    httpx.post(
        f"{emulator}/api/v2/users", json=user, headers=headers, timeout=30
    ).raise_for_status()


def start_api(env: dict) -> subprocess.Popen:
    command = [shutil.which("gunicorn", path=str(Path(sys.executable).parent)), "--config"]
    command += [str(REPO / "deploy" / "gunicorn.conf.py"), "wsgi:app"]
    log = open(os.environ.get("AAI_BENCH_API_LOG", os.devnull), "w")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(command, cwd=REPO, env=env, stderr=log)


def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API did not start")


LUA_MIXED = """
local requests = {}
local calls = %s
for i, call in ipairs(calls) do
  requests[i] = wrk.format("GET", call[1], {["Authorization"] = "Bearer " .. call[2]})
end
local n = 0
request = function()
  n = n %% #requests + 1
  return requests[n]
end
"""


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    target: tuple[int, int] | None

    @property
    def verdict(self) -> str:
        if self.errors:
            return "ERRORS"
        if self.target is None:
            return "-"
        rps, p99 = self.target
        return "ok" if self.rps >= rps and self.p99_ms <= p99 else "MISS"


def milliseconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str, headers: dict, duration: int, connections: int, script: str | None = None
) -> tuple:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, flags=re.MULTILINE))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"wrk gave no latency distribution for {url}:\n{output}")
    errors = sum(int(number) for number in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors += sum(int(number) for number in socket.groups()) if socket else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return rps, milliseconds(latency["50"]), milliseconds(latency["99"]), errors


def measure(base: str, tokens: dict, duration: int, only: str | None) -> list[Result]:
    results = []
    for call in CALLS:
        if only and only not in call.name:
            continue
        headers = (
            {"Authorization": f"Bearer {tokens[call.caller]}"} if call.caller != "none" else {}
        )
        rps, p50, p99, errors = wrk(base + call.path, headers, duration, 16)
        results.append(Result(call.name, rps, p50, p99, errors, call.target))
        if call.path.startswith("/admin/users"):
            _, p50_single, _, _ = wrk(base + call.path, headers, max(3, duration // 4), 1)
            results.append(
                Result(f"  one connection: p50 {p50_single:.1f} ms", 0, p50_single, 0, 0, None)
            )
    if not only or only in MIXED[0]:
        results.append(mixed(base, tokens, duration))
    return results


def mixed(base: str, tokens: dict, duration: int, connections: int = 16) -> Result:
    calls = [[call.path, tokens[call.caller]] for call in MIXED[1]]
    lua = LUA_MIXED % json.dumps(calls).replace("[", "{").replace("]", "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()
        rps, p50, p99, errors = wrk(base + "/", {}, duration, connections, script.name)
    return Result(MIXED[0], rps, p50, p99, errors, None)


def table(results: list[Result], users: int) -> str:
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {users:,} users, wrk -t2 -c16.",
        "",
        "| call | requests/s | p50 ms | p99 ms | errors | target | verdict |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for result in results:
        target = f"≥ {result.target[0]}/s, p99 ≤ {result.target[1]} ms" if result.target else ""
        rps = f"{result.rps:.0f}" if result.rps else ""
        p99 = f"{result.p99_ms:.1f}" if result.p99_ms else ""
        cells = (
            result.name,
            rps,
            f"{result.p50_ms:.1f}",
            p99,
            result.errors,
            target,
            result.verdict,
        )
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass
class Stack:
    base: str
    tokens: dict
    api: subprocess.Popen


@contextmanager
def running_stack(users: int) -> Iterator[Stack]:
    """PostgreSQL seeded with `users`, the Auth0 emulator, and gunicorn with the deploy config."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    cluster = PostgresCluster(find_bindir())
    cluster.start()
    emulator, emulator_url = start_emulator()
    api = None
    try:
        url = cluster.create_database("aai_bench_http")
        bind = f"127.0.0.1:{free_port()}"
        env = environment(emulator_url, url, bind)
        migrate = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
        subprocess.run(migrate, cwd=REPO, env=env, check=True, capture_output=True)
        connection = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
        seed(connection, users=users)
        member, email, username = a_member(connection)
        connection.close()
        add_to_auth0(emulator_url, member, email, username)
        api = start_api(env)
        base = f"http://{bind}"
        wait_ready(base)
        tokens = {
            "admin": token(emulator_url, ADMIN_USERS["galaxy"], [ADMIN_ROLES["galaxy"][1]]),
            "member": token(emulator_url, member, ["biocommons/platform/galaxy"]),
            "none": "",
        }
        yield Stack(base, tokens, api)
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        emulator.terminate()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--only", default=None)
    options = parser.parse_args()
    with running_stack(options.users) as stack:
        results = measure(stack.base, stack.tokens, options.duration, options.only)
    report = table(results, options.users)
    print(report)
    if not options.only:
        RESULTS.write_text("# HTTP benchmark results\n\nWritten by `make bench`.\n\n" + report)


if __name__ == "__main__":
    main()
