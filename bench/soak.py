"""Soak: the mixed portal workload for 60 s at 32 connections against `aai-api` with the image's
defaults. Passes with zero errors and no worker growing by more than MAX_GROWTH_MB.

Usage: .venv/bin/python -m bench.soak [--users 20000] [--duration 60]   (make soak)
"""

import argparse
from pathlib import Path

from bench.http_load import mixed, running_stack, worker_pids

MAX_GROWTH_MB = 50


def worker_memory_mb(master_pid: int) -> dict[int, float]:
    """Resident memory of each server worker (the main process's children)."""
    sizes = {}
    for pid in worker_pids(master_pid):
        status = Path(f"/proc/{pid}/status").read_text()
        kilobytes = next(
            line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")
        )
        sizes[pid] = int(kilobytes) / 1024
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=60)
    options = parser.parse_args()
    with running_stack(options.users) as stack:
        mixed(stack.base, stack.tokens, 10, 32)  # warm up every worker
        before = worker_memory_mb(stack.api.pid)
        result = mixed(stack.base, stack.tokens, options.duration, 32)
        after = worker_memory_mb(stack.api.pid)
    growth = max((after[pid] - before[pid] for pid in before if pid in after), default=0.0)
    restarted = set(before) - set(after)
    print(
        f"soak: {result.rps:.0f} requests/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, errors {result.errors}, "
        f"worst worker growth {growth:.1f} MB (bound {MAX_GROWTH_MB} MB)"
    )
    problems = []
    if result.errors:
        problems.append(f"{result.errors} errors")
    if growth > MAX_GROWTH_MB:
        problems.append(f"memory grew by {growth:.1f} MB")
    if restarted:
        problems.append(f"workers restarted: {sorted(restarted)}")
    if problems:
        raise SystemExit("soak failed: " + "; ".join(problems))
    print("soak passed")


if __name__ == "__main__":
    main()
