"""bench/results.md: each benchmark run adds its own dated section and keeps everyone else's.

The file collects sections written by hand (issue notes, before/after tables) and by
`make bench`; a run replaces only a section with its own heading (the same benchmark on the same
day), so re-running on one day does not pile up copies, and nothing earlier is erased.
"""

import os
import platform
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.md"
TITLE = "# HTTP benchmark results\n"


def with_section(existing: str, heading: str, body: str) -> str:
    """`existing` with the `## heading` section replaced by `body`, or `body` appended."""
    section = f"## {heading}\n\n{body.strip()}\n"
    lines = existing.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"## {heading}"), None)
    if start is None:
        kept = existing.rstrip("\n")
        return f"{kept}\n\n{section}" if kept else f"{TITLE}\n{section}"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    after = "".join(lines[end:])
    return "".join(lines[:start]) + section + ("\n" + after if after else "")


def record(heading: str, body: str, path: Path = RESULTS) -> None:
    existing = path.read_text() if path.exists() else ""
    path.write_text(with_section(existing, heading, body))


def commit() -> str:
    """The short commit measured, with "-dirty" when tracked files differ from it."""

    def git(*arguments: str) -> str:
        command = ["git", "-C", str(REPO), *arguments]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603 - fixed git arguments

    dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    return git("rev-parse", "--short", "HEAD").strip() + ("-dirty" if dirty else "")


def _first_value(path: str, key: str) -> str:
    try:
        text = Path(path).read_text()
    except OSError:
        return "unknown"
    for line in text.splitlines():
        name, _, value = line.partition(":" if ":" in line else "=")
        if name.strip() == key:
            return value.strip().strip('"')
    return "unknown"


def machine() -> str:
    """CPUs, CPU model, memory, OS and Python of this machine, in one line."""
    memory = _first_value("/proc/meminfo", "MemTotal")
    gigabytes = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GB" if memory[:1].isdigit() else memory
    return (
        f"{platform.node()}: {os.cpu_count()} CPUs ({_first_value('/proc/cpuinfo', 'model name')}),"
        f" {gigabytes} memory, {_first_value('/etc/os-release', 'PRETTY_NAME')}"
        f" (kernel {platform.release()}), Python {platform.python_version()}"
    )
