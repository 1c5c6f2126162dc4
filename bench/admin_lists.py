"""Benchmark of the admin list calls (portal contract §2.2) on 100,000 users in PostgreSQL.

Seeds the population of `bench.admin_seed` (once per database), then times each list call the
portal makes through the Flask test client (token validation, permissions, queries, JSON), 200
requests each after a warm-up, and prints the median, p99 and the indexes the query plans use.
Target (issue 6): p50 <= 10 ms and p99 <= 25 ms per call.

Usage: .venv/bin/python -m bench.admin_lists [--users N] [--requests N] [--admin KIND]
The database is a throwaway PostgreSQL cluster (machine's binaries), or AAI_BENCH_DB_URL.
"""

import argparse
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

import flask_migrate
import psycopg2
from sqlalchemy import event, text

from aai import create_app
from aai.caching import VersionedCache
from aai.extensions import db
from auth0_emulator.server import BackgroundEmulator
from bench.admin_seed import ADMIN_ROLES, ADMIN_USERS, seed

TARGET_P50_MS = 10.0
TARGET_P99_MS = 25.0
PER_PAGE = 50  # the portal's page size
CALLS = (
    ("all users, page 1", "/admin/users", {"page": 1}),
    ("all users, page 1000", "/admin/users", {"page": 1000}),
    ("search (one user)", "/admin/users", {"search": "person4242."}),
    ("search (many users)", "/admin/users", {"search": "example7"}),
    ("pending page", "/admin/users", {"approval_status": "pending"}),
    ("revoked page", "/admin/users", {"approval_status": "revoked"}),
    (
        "revoked page (one platform)",
        "/admin/users",
        {"platform": "galaxy", "platform_approval_status": "revoked"},
    ),
    ("unverified page", "/admin/users", {"email_verified": "false"}),
    ("filter_by=tsi", "/admin/users", {"filter_by": "tsi"}),
    ("pages: all", "/admin/users/pages", {}),
    ("pages: pending", "/admin/users/pages", {"approval_status": "pending"}),
    ("pages: revoked", "/admin/users/pages", {"approval_status": "revoked"}),
    ("pages: unverified", "/admin/users/pages", {"email_verified": "false"}),
    ("pages: search", "/admin/users/pages", {"search": "example7"}),
    ("counts", "/admin/users/counts", {}),
)


@contextmanager
def database_url() -> Iterator[str]:
    """AAI_BENCH_DB_URL, or a throwaway cluster removed afterwards."""
    if os.environ.get("AAI_BENCH_DB_URL"):
        yield os.environ["AAI_BENCH_DB_URL"]
        return
    from tests.pg_cluster import PostgresCluster, find_bindir  # dev tooling, like the tests

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found; set AAI_BENCH_DB_URL")
    cluster = PostgresCluster(bindir)
    cluster.start()
    try:
        yield cluster.create_database("aai_bench")
    finally:
        cluster.stop()


def settings(url: str, emulator: BackgroundEmulator) -> dict[str, str]:
    return {
        "ENVIRONMENT": "dev",
        "DB_URL": url,
        "AUTH0_DOMAIN": emulator.url,
        "AUTH0_AUDIENCE": emulator.audience,
        "AUTH0_MANAGEMENT_ID": emulator.management_client_id,
        "AUTH0_MANAGEMENT_SECRET": emulator.management_client_secret,
        "JWT_SECRET_KEY": "bench-session-secret",
        "RECAPTCHA_SECRET": "bench-recaptcha-secret",
        "CORS_ALLOWED_ORIGINS": "http://localhost:4200",
        "NO_REPLY_EMAIL_SENDER": "no-reply@bench.example.org",
        "EMAIL_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
    }


def prepare(app, url: str, users: int) -> None:
    with app.app_context():
        flask_migrate.upgrade()
        seeded = db.session.scalar(text("SELECT count(*) FROM biocommons_user"))
        db.session.remove()
    if seeded:
        print(f"database already holds {seeded} users; not seeding")
        return
    started = time.perf_counter()
    connection = psycopg2.connect(url.replace("postgresql+psycopg2", "postgresql"))
    summary = seed(connection, users=users)
    connection.close()
    print(f"seeded {summary} in {time.perf_counter() - started:.1f} s")


def timings_ms(client, path: str, query: dict, headers: dict, requests: int) -> list[float]:
    for _ in range(5):  # warm-up: caches, plans, connections
        response = client.get(path, query_string=query, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} {query}: {response.status_code} {response.json}")
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path, query_string=query, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def indexes_used(app, client, path: str, query: dict, headers: dict) -> str:
    """Index names in the plans of the statements one request runs (heaviest first)."""
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    # The statements themselves: not EXECUTEs of statements prepared on another connection,
    # nor answers from the caches (the counts behind `pages` and `counts`).
    app.config["DB_PREPARED_STATEMENTS"] = False
    caches = app.extensions["aai_caches"]
    app.extensions["aai_caches"] = {name: VersionedCache(ttl=0) for name in caches}
    event.listen(engine, "before_cursor_execute", capture)
    try:
        client.get(path, query_string=query, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
        app.config["DB_PREPARED_STATEMENTS"] = True
        app.extensions["aai_caches"] = caches
    plans = []
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]["Plan"]
            plans.append((plan["Total Cost"], sorted(set(_index_names(plan)))))
    finally:
        connection.close()
    heaviest = max(plans, default=(0, []))
    return ", ".join(heaviest[1]) or "(no index)"


def _index_names(plan: dict) -> Iterator[str]:
    if "Index Name" in plan:
        yield plan["Index Name"]
    for child in plan.get("Plans", []):
        yield from _index_names(child)


def run(users: int, requests: int, admin: str) -> None:
    emulator = BackgroundEmulator()
    try:
        with database_url() as url:
            app = create_app(settings(url, emulator))
            prepare(app, url, users)
            token = emulator.token(ADMIN_USERS[admin], roles=[ADMIN_ROLES[admin][1]])
            headers = {"Authorization": f"Bearer {token}"}
            client = app.test_client()
            report(app, client, headers, requests)
            with app.app_context():
                db.engine.dispose()
    finally:
        emulator.stop()


def report(app, client, headers: dict, requests: int) -> None:
    print(f"{'call':<30}{'p50 ms':>8}{'p99 ms':>8}  verdict  indexes of the heaviest query")
    for label, path, query in CALLS:
        query = {"per_page": PER_PAGE, **query}
        samples = timings_ms(client, path, query, headers, requests)
        median, worst = statistics.median(samples), p99(samples)
        verdict = "OK  " if median <= TARGET_P50_MS and worst <= TARGET_P99_MS else "SLOW"
        indexes = indexes_used(app, client, path, query, headers)
        print(f"{label:<30}{median:>8.2f}{worst:>8.2f}  {verdict}     {indexes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--admin", choices=sorted(ADMIN_USERS), default="galaxy")
    arguments = parser.parse_args()
    run(arguments.users, arguments.requests, arguments.admin)


if __name__ == "__main__":
    main()
