"""Many users: generating 100,000 fast, listing them by page (to Auth0's limit) and by export."""

import csv
import gzip
import io
import json
import time

import pytest

from tests.emulator.wire import call


def export(emulator, api, body: dict) -> tuple[dict, bytes]:
    """Run an export job to completion; returns the finished job and the downloaded file."""
    job = api("POST", "/jobs/users-exports", body)
    assert job.status == 201, job.text
    assert job.json()["status"] == "pending"
    for _ in range(10):
        status = api("GET", f"/jobs/{job.json()['id']}").json()
        if status["status"] == "completed":
            break
    download = call("GET", status["location"])  # a pre-signed style link: no bearer token
    assert download.status == 200
    assert "Content-Encoding" not in download.headers
    return status, download.body


@pytest.mark.timeout(60)  # 100,000 users: 12 s measured on the shared machine (issue 18)
def test_generate_100000_users_fast_and_export_them_all(emulator, api):
    started = time.monotonic()
    result = emulator.generate_users(100_000, roles=["biocommons/platform/galaxy"])
    elapsed = time.monotonic() - started

    assert elapsed < 10, f"generating took {elapsed:.1f} s"
    assert result["created"] == 100_000
    assert result["total_users"] == 100_007
    assert result["last"]["email"] == "user100000@example.org"

    fields = [{"name": n} for n in ("user_id", "email", "email_verified", "username", "blocked")]
    job, data = export(emulator, api, {"format": "csv", "fields": fields})
    assert job["location"].endswith(".csv.gz")
    assert data[:2] == b"\x1f\x8b"
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(data).decode())))
    assert len(rows) == 100_007
    assert len({row["user_id"] for row in rows}) == 100_007
    generated = next(row for row in rows if row["email"] == "'user1@example.org")
    assert generated == {
        "user_id": f"'{result['first']['user_id']}",
        "email": "'user1@example.org",
        "email_verified": "true",
        "username": "'user1",
        "blocked": "",
    }
    galaxy = api("GET", "/roles/rol_7q4wGqg7jJaWgi7y/users?include_totals=true").json()
    assert galaxy["total"] == 100_000 + 6


def test_users_by_page_reach_the_first_1000_and_no_further(emulator, api):
    emulator.generate_users(1200)

    pages = [api("GET", f"/users?page={n}&per_page=100&include_totals=true") for n in range(10)]
    beyond = api("GET", "/users?page=10&per_page=100")

    bodies = [page.json() for page in pages]
    assert [len(body["users"]) for body in bodies] == [100] * 10
    assert {body["total"] for body in bodies} == {1207}
    assert len({u["user_id"] for body in bodies for u in body["users"]}) == 1000
    assert beyond.status == 400
    assert beyond.json()["errorCode"] == "invalid_paging"


def test_users_pages_at_the_edges(api):
    last = api("GET", "/users?page=1&per_page=5&include_totals=true").json()
    empty = api("GET", "/users?page=2&per_page=5&include_totals=true").json()
    bare = api("GET", "/users?page=0&per_page=3").json()

    assert (last["start"], last["limit"], last["length"], last["total"]) == (5, 5, 2, 7)
    assert (empty["length"], empty["users"], empty["total"]) == (0, [], 7)
    assert isinstance(bare, list)
    assert len(bare) == 3
    assert api("GET", "/users?per_page=101").status == 400


def test_users_are_sorted_on_request(api):
    names = [u["username"] for u in api("GET", "/users?sort=username:-1&per_page=3").json()]

    assert names == ["unverified_user", "tsi_admin", "pending_user"]


def test_export_as_ndjson_with_nested_fields(emulator, api):
    fields = [
        {"name": "user_id"},
        {"name": "app_metadata"},
        {"name": "identities[0].connection", "export_as": "provider"},
    ]
    _, data = export(emulator, api, {"format": "json", "fields": fields, "limit": 2})

    rows = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]
    assert len(rows) == 2
    assert rows[0]["app_metadata"] == {"registration_from": "biocommons"}
    assert rows[0]["provider"] == "Username-Password-Authentication"


def test_an_export_snapshot_ignores_later_changes(emulator, api):
    job = api("POST", "/jobs/users-exports", {"format": "csv", "fields": [{"name": "email"}]})
    emulator.generate_users(5)

    status = api("GET", f"/jobs/{job.json()['id']}").json()

    lines = gzip.decompress(call("GET", status["location"]).body).decode().splitlines()
    assert len(lines) == 1 + 7


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_export_behaviour_makes_jobs_wait_then_end_as_asked(emulator, api, outcome):
    emulator.export_behaviour(pending_polls=2, outcome=outcome)
    job_id = api("POST", "/jobs/users-exports", {"format": "csv"}).json()["id"]

    statuses = [api("GET", f"/jobs/{job_id}").json()["status"] for _ in range(3)]

    assert statuses == ["processing", "processing", outcome]
    assert "location" not in api("GET", f"/jobs/{job_id}").json()


def test_an_unknown_job_is_a_404(api):
    assert api("GET", "/jobs/job_0000000000000000").status == 404
