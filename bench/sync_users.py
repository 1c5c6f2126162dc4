"""Benchmark: a full Auth0 → PostgreSQL sync of 100,000 emulator users, then an unchanged run.

Starts a throwaway PostgreSQL cluster and the Auth0 emulator (separate processes), generates
the users (three in four with the galaxy and bpa_data_portal roles), migrates an empty
database, and times `flask sync-auth0` as an operator runs it, with its peak memory.
Targets (00-product.md): ≤ 60 s and ≤ 300 MB; the second run writes nothing.

Usage: .venv/bin/python -m bench.sync_users [--users 100000]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.http_load import environment, start_emulator
from tests.pg_cluster import PostgresCluster, find_bindir

REPO = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB = 60.0, 300.0
PLATFORM_ROLES = ["biocommons/platform/galaxy", "biocommons/platform/bpa_data_portal"]


def flask(env: dict, *args: str) -> tuple[float, float, str]:
    """Run a flask command; wall seconds, peak resident MB, and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output


def summary_line(output: str, step: str) -> list[str]:
    return next(line.split() for line in output.splitlines() if line.startswith(f"{step} "))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    count = parser.parse_args().users
    cluster = PostgresCluster(find_bindir())
    cluster.start()
    emulator, base = start_emulator()
    try:
        with_roles = count * 3 // 4
        generate = f"{base}/_emulator/users/generate"
        members = {"count": with_roles, "prefix": "member", "roles": PLATFORM_ROLES}
        httpx.post(generate, json=members, timeout=120).raise_for_status()
        visitors = {"count": count - with_roles, "prefix": "visitor"}
        httpx.post(generate, json=visitors, timeout=120).raise_for_status()
        env = environment(base, cluster.create_database("aai_bench_sync"))
        flask(env, "db", "upgrade")
        first = flask(env, "sync-auth0")
        second = flask(env, "sync-auth0")
    finally:
        emulator.terminate()
        cluster.stop()
    writes = sum(
        int(value)
        for step in ("roles", "users", "memberships")
        for value in summary_line(second[2], step)[1:5]
    )
    targets = f"≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_MB:.0f} MB"
    print(f"{'benchmark':<34}{'seconds':>9}{'peak MB':>9}  target")
    print(f"{f'first sync ({count} users)':<34}{first[0]:>9.1f}{first[1]:>9.0f}  {targets}")
    print(
        f"{'second sync (unchanged)':<34}{second[0]:>9.1f}{second[1]:>9.0f}  writes: {writes} (0)"
    )


if __name__ == "__main__":
    main()
