"""Print the last test run's coverage (lines and branches) per package, then the three
least-covered modules. `make test` runs it after pytest; coverage's own report is per file only.

Usage: .venv/bin/python scripts/coverage_by_package.py   (reads .coverage in the working dir)
"""

import json
import tempfile
from collections import defaultdict
from pathlib import Path

import coverage


def file_summaries() -> dict[str, dict]:
    cov = coverage.Coverage()
    cov.load()
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "coverage.json"
        cov.json_report(outfile=str(report))
        return {
            name: data["summary"] for name, data in json.loads(report.read_text())["files"].items()
        }


def percent(covered: int, total: int) -> float:
    return 100.0 * covered / total if total else 100.0


def covered_and_total(summary: dict) -> tuple[int, int]:
    """Coverage's own total: covered lines plus covered branches over lines plus branches."""
    covered = summary["covered_lines"] + summary.get("covered_branches", 0)
    return covered, summary["num_statements"] + summary.get("num_branches", 0)


def main() -> None:
    files = file_summaries()
    packages: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, summary in files.items():
        package = str(Path(name).parent).replace("/", ".")
        covered, total = covered_and_total(summary)
        packages[package][0] += covered
        packages[package][1] += total
    print(f"{'package':<28}{'lines+branches':>16}{'covered':>9}")
    for package, (covered, total) in sorted(packages.items()):
        print(f"{package:<28}{total:>16}{percent(covered, total):>8.1f}%")
    least = sorted(files, key=lambda name: percent(*covered_and_total(files[name])))[:3]
    listed = ", ".join(f"{name} {percent(*covered_and_total(files[name])):.1f}%" for name in least)
    print(f"least covered: {listed}")


if __name__ == "__main__":
    main()
