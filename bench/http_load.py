"""The HTTP benchmark of issue 17 ("Targets"): 100,000 users, the API as the image serves it
(`aai-api`, Granian with aai's defaults) but with 2 workers as in the issue, wrk with valid
tokens, all on this machine.

Starts a throwaway PostgreSQL cluster, seeds it (bench.admin_seed), starts the Auth0 emulator
(JWKS for the tokens, /userinfo, and the role grants of the writes) and the API. Then, for
every call of the issue's table:

- warm: `wrk -t2 -c16`, the same call repeated, nothing written;
- with writes: the same, while a thread commits one real write a second (an admin approving or
  revoking a member's Galaxy access through the API, so each write takes the production path:
  the row lock, the history row, the Auth0 role change and the cache-version bump);
- one connection (`wrk -t1 -c1`, warm) for `/`, `/health` and the admin lists;
- cold: commit one write, then time one call; 30 times, p50 and max.

Prints a table with the original's figures (the reference) and the targets, and adds a dated
section naming the commit and the machine to bench/results.md (bench.results_file).

Usage: .venv/bin/python -m bench.http_load [--users 100000] [--duration 10] [--only TEXT]
       [--cold-samples 30]   (--only keeps the calls whose name contains TEXT; nothing written)
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import psycopg2

from bench.admin_seed import ADMIN_ROLES, ADMIN_USERS, seed
from bench.results_file import commit, machine, record
from tests.pg_cluster import PostgresCluster, find_bindir, free_port

REPO = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
WRITE_PLATFORM = "galaxy"  # the bench admin administers Galaxy
PLATFORM_ROLE = "biocommons/platform/galaxy"


@dataclass(frozen=True)
class Target:
    """Issue 17's targets for one call; None: no target for that measurement."""

    rps: int | None = None  # c16 requests/s, at least
    p99_ms: float | None = None  # c16 p99, at most
    under_writes: bool = False  # the c16 target holds with a write committed every second too
    single_rps: int | None = None  # one connection requests/s, at least
    single_p50_ms: float | None = None  # one connection p50 (warm), at most
    cold_p50_ms: float | None = None  # a call just after a committed write: p50, at most
    cold_max_ms: float | None = None  # ... and every such call, at most

    def describe(self) -> str:
        parts = []
        if self.rps:
            p99 = f", p99 ≤ {self.p99_ms:g} ms" if self.p99_ms else ""
            parts.append(
                f"≥ {self.rps:,}/s{p99}" + (" (also with writes)" if self.under_writes else "")
            )
        if self.single_rps:
            parts.append(f"1 conn ≥ {self.single_rps:,}/s")
        if self.single_p50_ms:
            parts.append(f"1 conn p50 ≤ {self.single_p50_ms:g} ms")
        if self.cold_p50_ms:
            parts.append(f"cold p50 ≤ {self.cold_p50_ms:g} ms")
        if self.cold_max_ms:
            parts.append(f"cold max ≤ {self.cold_max_ms:g} ms")
        return "; ".join(parts)


NO_TARGET = Target()
ROOT = Target(rps=8000, single_rps=2500)
ME = Target(rps=1800, p99_ms=30)
ADMIN_LIST = Target(rps=500, p99_ms=100, under_writes=True, single_p50_ms=5, cold_p50_ms=30)
TOTALS = replace(ADMIN_LIST, cold_max_ms=30)  # "one cold call ≤ 30 ms": every cold call


@dataclass(frozen=True)
class Call:
    name: str
    path: str
    caller: str  # whose token: "admin", "member" or "none"
    target: Target
    one_connection: bool = False  # also measured with wrk -t1 -c1


# The original's figures (the reference column): the FastAPI original under uvicorn with 2
# workers, measured side by side with aai on this 2-core machine with the same 100,000 users
# (issue 17's table, wrk -t2 -c16 -d15s; "1 conn" is wrk -t1 -c1). The original cannot run here,
# so the figures are copied; "—" where the issue did not measure the call.
ORIGINAL = {
    "GET /": "8,100–8,760 /s, p99 8–13 ms; 1 conn 2,560–2,620 /s",
    "GET /health": "—",
    "me: groups": "560–630 /s, p99 59–76 ms",
    "me: platforms": "750–860 /s, p99 34–42 ms",
    "me: profile": "—",
    "me: is-general-admin": "450–765 /s",
    "admin: users page 1": "11 /s, p99 ~1.4 s; 1 conn 8.4 /s, p50 ~120 ms",
    "admin: users page 1000": "3.3 /s",
    "admin: search": "4–5 /s",
    "admin: pending": "9–12 /s",
    "admin: pages": "3.2–3.3 /s",
    "admin: counts": "0.8 /s, p99 18 s",
    "utils: username availability": "48–52 /s, p99 0.5–0.7 s",
}

CALLS = (
    Call("GET /", "/", "none", ROOT, one_connection=True),
    Call("GET /health", "/health", "none", ROOT, one_connection=True),
    Call("me: groups", "/me/groups", "member", ME),
    Call("me: platforms", "/me/platforms", "member", ME),
    Call("me: profile", "/me/profile", "member", ME),
    Call("me: is-general-admin", "/me/is-general-admin", "member", ME),
    Call("admin: users page 1", "/admin/users?page=1&per_page=50", "admin", ADMIN_LIST, True),
    Call("admin: users page 1000", "/admin/users?page=1000&per_page=50", "admin", ADMIN_LIST, True),
    Call(
        "admin: search",
        "/admin/users?page=1&per_page=50&search=person4242.",
        "admin",
        ADMIN_LIST,
        one_connection=True,
    ),
    Call(
        "admin: pending",
        "/admin/users?page=1&per_page=50&approval_status=pending",
        "admin",
        ADMIN_LIST,
        one_connection=True,
    ),
    Call("admin: pages", "/admin/users/pages?page=1&per_page=50", "admin", TOTALS, True),
    Call("admin: counts", "/admin/users/counts", "admin", TOTALS, one_connection=True),
    Call(
        "utils: username availability",
        "/utils/register/check-username-availability?username=nobody_here",
        "none",
        NO_TARGET,  # not among the targets
    ),
)
MIXED = "mixed portal workload"


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


def environment(emulator: str, database_url: str, port: int = 8000) -> dict:
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
        "LOG_LEVEL": os.environ.get("AAI_BENCH_LOG_LEVEL", "INFO"),  # as shipped
        # The benchmark measures throughput, not the abuse limits.
        "RATELIMIT_AVAILABILITY": "1000000/minute",
        "GRANIAN_HOST": "127.0.0.1",
        "GRANIAN_PORT": str(port),
        "GRANIAN_WORKERS": "2",  # as in issue 17's side-by-side measurement
        # Any Granian setting can be tried from the command line (GRANIAN_BLOCKING_THREADS=...).
        **{name: value for name, value in os.environ.items() if name.startswith("GRANIAN_")},
    }


def galaxy_members(connection, count: int) -> list[tuple[str, str, str]]:
    """Live seeded users with Galaxy access (id, email, username): the first is the caller of
    the /me calls, the second the member whose access the writes approve and revoke."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.id, u.email, u.username FROM biocommons_user u "
            "JOIN platformmembership m ON m.user_id = u.id "
            "WHERE NOT u.is_deleted AND NOT m.is_deleted AND m.platform_id = 'GALAXY' "
            "ORDER BY u.id LIMIT %s",
            (count,),
        )
        return cursor.fetchall()


def management_headers(emulator: str) -> dict:
    credentials = {
        "grant_type": "client_credentials",
        "client_id": "dev-management-client",
        "client_secret": "dev-management-secret-not-for-production",
        "audience": f"{emulator}/api/v2/",
    }
    management = httpx.post(f"{emulator}/oauth/token", json=credentials, timeout=30).json()
    return {"Authorization": f"Bearer {management['access_token']}"}


def add_to_auth0(emulator: str, headers: dict, member: tuple[str, str, str]) -> None:
    """The member also exists in Auth0 (the emulator): /me/profile and role changes find it."""
    user_id, email, username = member
    user = {
        "user_id": user_id,
        "email": email,
        "username": username,
        "password": "Bench-Passw0rd!",
        "connection": "Username-Password-Authentication",
        "email_verified": True,
    }
    httpx.post(
        f"{emulator}/api/v2/users", json=user, headers=headers, timeout=30
    ).raise_for_status()


def link_galaxy_access_role(emulator: str, headers: dict, connection) -> None:
    """Galaxy's access role (the emulator's tenant has it) recorded in the database as the sync
    and the platform set-up leave it, so an approval or revocation grants or withdraws it in
    Auth0 like in production."""
    params = {"name_filter": PLATFORM_ROLE}
    response = httpx.get(f"{emulator}/api/v2/roles", params=params, headers=headers, timeout=30)
    roles = response.raise_for_status().json()
    role_id = next(role["id"] for role in roles if role["name"] == PLATFORM_ROLE)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth0role (id, name, description, is_deleted) VALUES (%s, %s, '', false)",
            (role_id, PLATFORM_ROLE),
        )
        cursor.execute("UPDATE platform SET role_id = %s WHERE id = 'GALAXY'", (role_id,))
    connection.commit()


def start_api(env: dict) -> subprocess.Popen:
    command = [shutil.which("aai-api", path=str(Path(sys.executable).parent))]
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


def worker_pids(master_pid: int) -> list[int]:
    """The server's workers: the main process's children."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    return [int(pid) for pid in children.split()]


class Writer:
    """Commits one real write per call: the bench's Galaxy admin approves, then revokes, then
    approves... one member's Galaxy access through the API (the production path: row lock,
    history row, the Auth0 role change, the commit that bumps the cache version)."""

    def __init__(self, base: str, admin_token: str, user_id: str) -> None:
        self.client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {admin_token}"}, timeout=30
        )
        self.path = f"/admin/users/{user_id}/platforms/{WRITE_PLATFORM}"
        self.approving = True

    def commit_one(self) -> None:
        action = "approve" if self.approving else "revoke"
        body = {} if self.approving else {"reason": "bench: a write every second"}
        response = self.client.post(f"{self.path}/{action}", json=body)
        if response.status_code != 200:
            raise RuntimeError(f"{action} answered {response.status_code}: {response.text}")
        self.approving = not self.approving


@dataclass
class Writes:
    committed: int = 0
    failed: list[str] = field(default_factory=list)


@contextmanager
def a_write_every_second(writer: Writer) -> Iterator[Writes]:
    """A thread commits one write at the start of every second until the block ends."""
    writes, stop = Writes(), threading.Event()

    def loop() -> None:
        due = time.monotonic()
        while not stop.is_set():
            try:
                writer.commit_one()
                writes.committed += 1
            except (RuntimeError, httpx.HTTPError) as error:
                writes.failed.append(str(error))
            due += 1.0
            stop.wait(max(0.0, due - time.monotonic()))

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield writes
    finally:
        stop.set()
        thread.join(timeout=60)


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


@dataclass(frozen=True)
class Load:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class Cold:
    """Calls each made just after a committed write, timed by the client."""

    p50_ms: float
    max_ms: float
    errors: int


def milliseconds(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str, headers: dict, duration: int, connections: int, script: str | None = None
) -> Load:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output, url)


def parse_wrk(output: str, url: str) -> Load:
    """wrk --latency's report: requests/s, p50, p99, and non-2xx answers plus socket errors."""
    # wrk pads values in seconds ("1.08s ") to the width of "ms"/"us" values.
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, flags=re.MULTILINE))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"wrk gave no latency distribution for {url}:\n{output}")
    errors = sum(int(number) for number in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors += sum(int(number) for number in socket.groups()) if socket else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return Load(rps, milliseconds(latency["50"]), milliseconds(latency["99"]), errors)


def mixed(base: str, tokens: dict, duration: int, connections: int = CONNECTIONS) -> Load:
    """The /me and /admin calls in turn, as a portal's pages make them."""
    calls = [[call.path, tokens[call.caller]] for call in CALLS if call.caller != "none"]
    lua = LUA_MIXED % json.dumps(calls).replace("[", "{").replace("]", "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(lua)
        script.flush()
        return wrk(base + "/", {}, duration, connections, script.name)


def cold(url: str, headers: dict, writer: Writer, samples: int) -> Cold:
    """Commit a write, then time one call; `samples` times."""
    times, errors = [], 0
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(samples):
            writer.commit_one()
            started = time.perf_counter()
            status = client.get(url).status_code
            times.append((time.perf_counter() - started) * 1000)
            errors += status != 200
    return Cold(statistics.median(times), max(times), errors)


@dataclass
class Row:
    call: Call
    warm: Load | None = None
    with_writes: Load | None = None
    writes: Writes | None = None
    single: Load | None = None
    cold: Cold | None = None

    @property
    def errors(self) -> int:
        loads = (self.warm, self.with_writes, self.single, self.cold)
        failed_writes = len(self.writes.failed) if self.writes else 0
        return sum(load.errors for load in loads if load) + failed_writes

    def misses(self) -> list[str]:
        """The measurements that miss the call's targets."""
        target = self.call.target
        misses = load_misses("warm", self.warm, target)
        if target.under_writes:
            misses += load_misses("with writes", self.with_writes, target)
        if self.single and target.single_rps and self.single.rps < target.single_rps:
            misses.append("1 conn /s")
        if self.single and target.single_p50_ms and self.single.p50_ms > target.single_p50_ms:
            misses.append("1 conn p50")
        return misses + cold_misses(self.cold, target)

    @property
    def verdict(self) -> str:
        if self.errors:
            return f"ERRORS ({self.errors})"
        if self.call.target == NO_TARGET:
            return "-"
        misses = self.misses()
        return "MISS: " + ", ".join(misses) if misses else "ok"


def load_misses(label: str, load: Load | None, target: Target) -> list[str]:
    if load is None:
        return []
    misses = [f"{label} /s"] if target.rps and load.rps < target.rps else []
    if target.p99_ms and load.p99_ms > target.p99_ms:
        misses.append(f"{label} p99")
    return misses


def cold_misses(cold: Cold | None, target: Target) -> list[str]:
    if cold is None:
        return []
    misses = ["cold p50"] if target.cold_p50_ms and cold.p50_ms > target.cold_p50_ms else []
    if target.cold_max_ms and cold.max_ms > target.cold_max_ms:
        misses.append("cold max")
    return misses


def measure_call(stack: "Stack", call: Call, duration: int, cold_samples: int) -> Row:
    url = stack.base + call.path
    token = stack.tokens[call.caller]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    row = Row(call)
    wrk(url, headers, 1, CONNECTIONS)  # every worker fills its caches first
    row.warm = wrk(url, headers, duration, CONNECTIONS)
    with a_write_every_second(stack.writer) as writes:
        row.with_writes = wrk(url, headers, duration, CONNECTIONS)
    row.writes = writes
    if call.one_connection:
        wrk(url, headers, 1, 1)  # the caches again, after the last write
        row.single = wrk(url, headers, duration, 1)
    row.cold = cold(url, headers, stack.writer, cold_samples)
    return row


def measure(stack: "Stack", options: argparse.Namespace) -> list[Row]:
    rows = []
    for call in CALLS:
        if options.only and options.only not in call.name:
            continue
        print(f"measuring {call.name} ...", file=sys.stderr, flush=True)
        rows.append(measure_call(stack, call, options.duration, options.cold_samples))
        print("  " + " | ".join(cells(rows[-1])[2:6]), file=sys.stderr, flush=True)
    if not options.only or options.only in MIXED:
        rows.append(
            Row(
                Call(MIXED, "", "none", NO_TARGET),
                mixed(stack.base, stack.tokens, options.duration),
            )
        )
    return rows


def rate(load: Load | None, percentile: str = "p99") -> str:
    if load is None:
        return ""
    latency = load.p99_ms if percentile == "p99" else load.p50_ms
    errors = f", {load.errors} errors" if load.errors else ""
    return f"{load.rps:,.0f} /s, {percentile} {latency:.1f} ms{errors}"


def cells(row: Row) -> tuple[str, ...]:
    writes = f" ({row.writes.committed} writes)" if row.writes else ""
    cold = f"{row.cold.p50_ms:.1f} / {row.cold.max_ms:.1f} ms" if row.cold else ""
    return (
        row.call.name,
        ORIGINAL.get(row.call.name, "—"),
        rate(row.warm),
        rate(row.with_writes) + writes if row.with_writes else "",
        rate(row.single, "p50"),
        cold,
        row.call.target.describe(),
        row.verdict,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| call | original (reference) | warm, c16 | c16, a write committed every second "
        "| one connection, warm | cold: p50 / max | target | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


@dataclass
class Stack:
    base: str
    tokens: dict
    api: subprocess.Popen
    writer: Writer
    postgres: str  # the server's version


def prepare_database(url: str, users: int, emulator: str) -> tuple[str, str, str]:
    """Seeded and linked to the emulator: the /me caller, the written member, the server version."""
    connection = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
    try:
        seed(connection, users=users)
        caller, written = galaxy_members(connection, 2)
        headers = management_headers(emulator)
        for member in (caller, written):
            add_to_auth0(emulator, headers, member)
        link_galaxy_access_role(emulator, headers, connection)
        connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            # Again, with no transaction of the set-up left open: pages become all-visible, as
            # autovacuum keeps them in service, so index-only scans need no heap visits.
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0]
    finally:
        connection.close()
    return caller[0], written[0], postgres


@contextmanager
def running_stack(users: int) -> Iterator[Stack]:
    """PostgreSQL seeded with `users`, the Auth0 emulator, and the API as the image serves it."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    cluster = PostgresCluster(find_bindir())
    cluster.start()
    emulator, emulator_url = start_emulator()
    api = None
    try:
        url = cluster.create_database("aai_bench_http")
        port = free_port()
        env = environment(emulator_url, url, port)
        migrate = [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"]
        subprocess.run(migrate, cwd=REPO, env=env, check=True, capture_output=True)
        member, written, postgres = prepare_database(url, users, emulator_url)
        api = start_api(env)
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        tokens = {
            "admin": token(emulator_url, ADMIN_USERS["galaxy"], [ADMIN_ROLES["galaxy"][1]]),
            "member": token(emulator_url, member, ["biocommons/platform/galaxy"]),
            "none": "",
        }
        writer = Writer(base, tokens["admin"], written)
        writer.commit_one()  # fails here, not in the middle of a run, if writes cannot commit
        yield Stack(base, tokens, api, writer, postgres)
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        emulator.terminate()
        cluster.stop()


def server_settings(stack: Stack) -> str:
    workers = len(worker_pids(stack.api.pid))
    threads = int(os.environ.get("GRANIAN_BLOCKING_THREADS", "1"))
    return f"{workers} workers × {threads} thread{'s' if threads > 1 else ''}"


def header(stack: Stack, options: argparse.Namespace) -> str:
    return (
        f"Commit `{commit()}`, measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"by `bench.http_load` (`make bench`).\n"
        f"Machine: {machine()}; PostgreSQL {stack.postgres}; `aai-api` (Granian, the image's "
        f"defaults): {server_settings(stack)}.\n"
        f"Data: {options.users:,} users (`bench.admin_seed`). Each figure: "
        f"`wrk -t2 -c{CONNECTIONS} -d{options.duration}s` (one connection: `wrk -t1 -c1`); "
        '"a write committed every second": the bench\'s Galaxy admin approves or revokes one '
        "member's Galaxy access through the API each second during the run; cold: "
        f"{options.cold_samples} times a write committed then one call timed by the client "
        "(httpx, its own ~0.3 ms included). The original's column is issue 17's side-by-side "
        "measurement on this machine (the original cannot run here).\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--cold-samples", type=int, default=30)
    parser.add_argument("--only", default=None, help="calls whose name contains this")
    options = parser.parse_args()
    with running_stack(options.users) as stack:
        rows = measure(stack, options)
        report = header(stack, options) + "\n" + table(rows)
    print(report)
    for row in rows:
        if row.writes and row.writes.failed:
            print(f"{row.call.name}: a write failed: {row.writes.failed[0]}", file=sys.stderr)
    if not options.only:
        record(f"{time.strftime('%Y-%m-%d', time.gmtime())}: `make bench` HTTP figures", report)


if __name__ == "__main__":
    main()
