"""PostgreSQL backend memory while an admin pages through varied admin lists (issue 17).

Seeds the 100,000-user population of `bench.admin_seed` (once per database), then makes 10,000
admin list calls through the Flask test client — random filters, searches, page sizes and
pages, with the page totals and the counts in between — and prints the private memory of each
of aai's PostgreSQL backends before, every 1,000 calls and after, with the prepared statements
on aai's connection and PostgreSQL's own memory-context total. Target: <= 50 MB per backend.

Private memory is RssAnon of /proc/<pid>/status: the backend's heap (memory contexts, cached
plans, catalog caches, JIT code). Shared buffers are shared memory, not counted. It needs the
backends on this machine: the throwaway cluster, or AAI_BENCH_DB_URL on localhost.

Usage: .venv/bin/python -m bench.backend_memory [--users N] [--calls N] [--setting NAME=VALUE]
"""

import argparse
import random
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
from sqlalchemy import text

from aai import create_app
from aai.extensions import db
from auth0_emulator.server import BackgroundEmulator
from bench.admin_lists import database_url, prepare, settings
from bench.admin_seed import ADMIN_ROLES, ADMIN_USERS

LIMIT_MB = 50.0
SAMPLES = 10
STATUSES = ("approved", "pending", "revoked", "rejected")
FILTERS = (
    ("approval_status", STATUSES),
    ("platform", ("galaxy", "bpa_data_portal", "sbp")),
    ("platform_approval_status", STATUSES),
    ("group", ("biocommons/group/tsi", "biocommons/group/sbp_workflow_execution")),
    ("group_approval_status", STATUSES),
    ("email_verified", ("true", "false")),
    ("filter_by", ("galaxy", "bpa_data_portal", "sbp", "tsi")),
)
SEARCHES = ("example7", "person42", "person4242.", "EXAMPLE", "nobody-by-this-name", "@")
PER_PAGE = (10, 20, 25, 50, 100)
LIST_PATHS = ("/admin/users",) * 8 + ("/admin/users/pages", "/admin/users/counts")


def varied_calls(count: int, seed: int = 17) -> Iterator[tuple[str, dict]]:
    """`count` admin list calls: random paths, filters, searches, page sizes and pages."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not cryptography
    for _ in range(count):
        path = rng.choice(LIST_PATHS)
        query = {name: rng.choice(values) for name, values in FILTERS if rng.random() < 0.2}
        if query.get("approval_status"):  # the original answers 400 for the combination
            query.pop("platform_approval_status", None)
            query.pop("group_approval_status", None)
        if rng.random() < 0.1:
            query["search"] = rng.choice(SEARCHES)
        if path != "/admin/users/counts":
            query["per_page"] = rng.choice(PER_PAGE)
            query["page"] = _page(rng)
        yield path, query


def _page(rng: random.Random) -> int:
    """Mostly the first pages, like a person paging; some deep ones."""
    if rng.random() < 0.95:
        return rng.randint(1, 20)
    return rng.randint(21, 1_000)


def private_mb(pid: int) -> float | None:
    """RssAnon of a local process in MB (None when it is not on this machine)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return None


def backend_pids(monitor) -> list[int]:
    """aai's client backends on the bench database (not the monitor's own)."""
    with monitor.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid() ORDER BY pid"
        )
        return [row[0] for row in cursor.fetchall()]


def app_connection_figures(app) -> tuple[int, float]:
    """Prepared statements and memory-context MB of the connection the app's requests use."""
    with app.app_context():
        prepared, context_bytes = db.session.execute(
            text(
                "SELECT (SELECT count(*) FROM pg_prepared_statements),"
                " (SELECT sum(total_bytes) FROM pg_backend_memory_contexts)"
            )
        ).one()
        db.session.remove()
    return prepared, context_bytes / 2**20


def report_line(label: str, app, monitor) -> dict[int, float | None]:
    memory = {pid: private_mb(pid) for pid in backend_pids(monitor)}
    prepared, contexts_mb = app_connection_figures(app)
    shown = ", ".join(
        f"{pid}: {'n/a' if mb is None else f'{mb:.1f} MB'}" for pid, mb in memory.items()
    )
    print(f"{label:<14} prepared {prepared:>5}  contexts {contexts_mb:>7.1f} MB  private {shown}")
    return memory


def run_calls(app, client, headers: dict, monitor, calls: int) -> list[float | None]:
    """The varied calls, with a report line every calls/SAMPLES; every private memory seen."""
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    seen = list(report_line("before", app, monitor).values())
    every = max(calls // SAMPLES, 1)
    for number, (path, query) in enumerate(varied_calls(calls), start=1):
        status = client.get(path, query_string=query, headers=headers).status_code
        statuses[status] = statuses.get(status, 0) + 1
        if number % every == 0 or number == calls:
            seen += report_line(f"after {number}", app, monitor).values()
    elapsed = time.perf_counter() - started
    print(f"{calls} calls in {elapsed:.1f} s; answers by status: {dict(sorted(statuses.items()))}")
    return seen


def verdict(seen: list[float | None]) -> str:
    """Judged on the largest private memory of any backend at any report line."""
    known = [mb for mb in seen if mb is not None]
    if not known:
        return "no local backend to measure (is the database on this machine?)"
    worst = max(known)
    flag = "OK" if worst <= LIMIT_MB else "OVER"
    return f"{flag}: largest backend at any point {worst:.1f} MB private (limit {LIMIT_MB:.0f} MB)"


def run(users: int, calls: int, overrides: dict[str, str]) -> None:
    emulator = BackgroundEmulator()
    try:
        with database_url() as url:
            app = create_app({**settings(url, emulator), **overrides})
            prepare(app, url, users)
            # A general admin of every platform and group: every filter has users to list.
            roles = [role for _, role in ADMIN_ROLES.values()]
            token = emulator.token(ADMIN_USERS["galaxy"], roles=roles)
            headers = {"Authorization": f"Bearer {token}"}
            monitor = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
            monitor.autocommit = True
            try:
                seen = run_calls(app, app.test_client(), headers, monitor, calls)
            finally:
                monitor.close()
            print(verdict(seen))
            with app.app_context():
                db.engine.dispose()
    finally:
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an aai setting for this run, e.g. DB_PREPARED_STATEMENTS=false",
    )
    arguments = parser.parse_args()
    overrides = dict(setting.split("=", 1) for setting in arguments.setting)
    run(arguments.users, arguments.calls, overrides)


if __name__ == "__main__":
    main()
