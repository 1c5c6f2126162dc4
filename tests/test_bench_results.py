"""`make bench`'s report: bench/results.md keeps every earlier section, and each row's verdict
judges the measured figures against issue 17's targets (pure functions, no server)."""

from bench.http_load import (
    ADMIN_LIST,
    CALLS,
    NO_TARGET,
    ORIGINAL,
    TOTALS,
    Call,
    Cold,
    Load,
    Row,
    Writes,
    parse_wrk,
)
from bench.results_file import record, with_section

EARLIER = """# HTTP benchmark results

Measured 2026-11-29 on vm.

| call | requests/s |
|---|---:|
| admin: all users, page 1 | 365 |

## 2026-12-05: per-request cost of `GET /` (issue 17, first step)

Before: main at `92ac3a8`.
"""


def test_a_run_appends_its_section_and_keeps_the_earlier_ones(tmp_path):
    results = tmp_path / "results.md"
    results.write_text(EARLIER)

    record("2026-12-06: `make bench` HTTP figures", "Commit `abc1234`.\n\n| a | b |", results)

    text = results.read_text()
    assert text.startswith(EARLIER)
    assert text.endswith(
        "## 2026-12-06: `make bench` HTTP figures\n\nCommit `abc1234`.\n\n| a | b |\n"
    )


def test_a_second_run_on_the_same_day_replaces_only_its_own_section():
    heading = "2026-12-05: `make bench` HTTP figures"
    later = "## 2026-12-07: notes\n\nKept.\n"
    first = with_section(EARLIER, heading, "Commit `old1111`.") + "\n" + later

    second = with_section(first, heading, "Commit `new2222`.")

    assert "old1111" not in second
    assert "Commit `new2222`." in second
    assert second.startswith(EARLIER)
    assert second.endswith("\n\n" + later)
    assert second.count(f"## {heading}") == 1


def test_the_first_run_writes_the_title(tmp_path):
    results = tmp_path / "results.md"

    record("2026-12-05: `make bench` HTTP figures", "Commit `abc1234`.", results)

    assert results.read_text().startswith("# HTTP benchmark results\n\n## 2026-12-05")


def fast(rps: float = 900, p50: float = 2, p99: float = 40) -> Load:
    return Load(rps, p50, p99, errors=0)


def list_row(**figures) -> Row:
    call = Call("admin: users page 1", "/admin/users", "admin", TOTALS, one_connection=True)
    measured = {"warm": fast(), "with_writes": fast(), "single": fast(), "cold": Cold(9, 20, 0)}
    return Row(call, writes=Writes(committed=15), **(measured | figures))


def test_a_list_call_meeting_every_target_is_ok():
    assert list_row().verdict == "ok"


def test_a_list_call_too_slow_only_while_writes_commit_misses():
    row = list_row(with_writes=fast(rps=300, p99=250))

    assert row.verdict == "MISS: with writes /s, with writes p99"


def test_one_slow_cold_call_misses_the_totals_target_but_not_a_pages_p50():
    slow_once = Cold(p50_ms=9, max_ms=45, errors=0)

    assert list_row(cold=slow_once).verdict == "MISS: cold max"
    assert Row(Call("page", "/", "admin", ADMIN_LIST), cold=slow_once).verdict == "ok"


def test_failed_writes_or_error_answers_are_never_ok():
    failed = Row(list_row().call, fast(), fast(), Writes(14, ["revoke answered 500"]))

    assert failed.verdict == "ERRORS (1)"
    assert list_row(warm=Load(900, 2, 40, errors=3)).verdict == "ERRORS (3)"


def test_every_call_of_the_issue_has_the_original_as_reference():
    assert {call.name for call in CALLS} == set(ORIGINAL)
    assert [call.name for call in CALLS if call.target == NO_TARGET] == [
        "utils: username availability"
    ]


# As wrk prints it: values in seconds are padded to the width of "ms" values.
WRK_REPORT = (
    "Running 3s test @ http://127.0.0.1:47427/\n"
    "  2 threads and 16 connections\n"
    "  Latency Distribution\n"
    "     50%  300.38ms\n"
    "     75%  397.12ms\n"
    "     99%    1.08s \n"
    "  144 requests in 3.09s, 1.99MB read\n"
    "  Socket errors: connect 0, read 2, write 0, timeout 1\n"
    "  Non-2xx or 3xx responses: 4\n"
    "Requests/sec:     46.55\n"
)


def test_wrk_reports_with_seconds_and_errors_are_read():
    load = parse_wrk(WRK_REPORT, "http://127.0.0.1:47427/")

    assert load == Load(rps=46.55, p50_ms=300.38, p99_ms=1080.0, errors=7)
