"""Management API roles and their members, with both pagination styles at their edges."""

import pytest

from tests.emulator.demo import DEMO, GALAXY_ROLE, TSI_ROLE

SBP_ROLE = "rol_lposT3oCx9k88R9g"


def test_roles_list_holds_the_biocommons_roles(api):
    reply = api("GET", "/roles?per_page=100&page=0&include_totals=true")

    body = reply.json()
    assert body["total"] == 10
    assert (body["start"], body["limit"]) == (0, 100)
    names = {role["name"] for role in body["roles"]}
    assert {"biocommons/role/biocommons/admin", "biocommons/platform/sbp"} <= names
    assert all(role["id"].startswith("rol_") and len(role["id"]) == 20 for role in body["roles"])


def test_roles_filtered_by_name(api):
    reply = api("GET", "/roles?name_filter=biocommons/group/tsi")

    assert reply.json() == [
        {
            "id": TSI_ROLE,
            "name": "biocommons/group/tsi",
            "description": "Threatened Species Initiative",
        }
    ]


def test_roles_page_beyond_the_end_is_empty(api):
    assert api("GET", "/roles?per_page=4&page=2").json() != []
    assert len(api("GET", "/roles?per_page=4&page=2").json()) == 2
    assert api("GET", "/roles?per_page=4&page=3").json() == []


def test_get_role_and_404(api):
    assert api("GET", f"/roles/{GALAXY_ROLE}").json()["name"] == "biocommons/platform/galaxy"
    missing = api("GET", "/roles/rol_0000000000000000")
    assert missing.status == 404
    assert missing.json()["message"] == "The role does not exist."


def test_create_role_then_a_duplicate_is_a_409(api):
    body = {"name": "biocommons/group/new_group", "description": "New group"}

    created = api("POST", "/roles", body)

    assert created.status == 200
    assert api("GET", f"/roles/{created.json()['id']}").json() == created.json()
    assert api("POST", "/roles", body).status == 409


def test_role_members_with_totals(api):
    reply = api("GET", f"/roles/{TSI_ROLE}/users?include_totals=true")

    body = reply.json()
    assert body["total"] == 1
    assert body["users"] == [
        {
            "user_id": DEMO["tsi_admin"],
            "email": "tsi.admin@example.org",
            "name": "TSI Admin",
            "nickname": "tsi_admin",
            "picture": body["users"][0]["picture"],
        }
    ]


def test_role_members_of_an_empty_role(api):
    assert api("GET", f"/roles/{SBP_ROLE}/users").json() == []
    assert api("GET", f"/roles/{SBP_ROLE}/users?take=100").json() == {"users": []}


@pytest.fixture
def big_role(emulator):
    """SBP with 250 generated members."""
    emulator.generate_users(250, prefix="member", roles=["biocommons/platform/sbp"])
    return SBP_ROLE


def test_role_members_offset_pages_to_the_last_partial_page(api, big_role):
    pages = [
        api("GET", f"/roles/{big_role}/users?page={page}&per_page=100&include_totals=true").json()
        for page in range(4)
    ]

    assert [len(page["users"]) for page in pages] == [100, 100, 50, 0]
    assert {page["total"] for page in pages} == {250}
    assert [page["start"] for page in pages] == [0, 100, 200, 300]
    ids = [user["user_id"] for page in pages for user in page["users"]]
    assert len(set(ids)) == 250


def test_role_members_by_checkpoint(api, big_role):
    ids, pages, cursor = [], 0, None
    while True:
        query = f"take=100&include_totals=false{f'&from={cursor}' if cursor else ''}"
        body = api("GET", f"/roles/{big_role}/users?{query}").json()
        ids += [user["user_id"] for user in body["users"]]
        pages += 1
        cursor = body.get("next")
        if not cursor:
            break

    assert pages == 3
    assert len(ids) == len(set(ids)) == 250


def test_checkpoints_survive_removals_between_pages(api, big_role):
    first = api("GET", f"/roles/{big_role}/users?take=100").json()
    removed = first["users"][-1]["user_id"]
    api("DELETE", f"/users/{removed}/roles", {"roles": [big_role]})

    second = api("GET", f"/roles/{big_role}/users?take=100&from={first['next']}").json()

    assert len(second["users"]) == 100
    assert removed not in [user["user_id"] for user in second["users"]]


def test_role_members_offset_pagination_stops_at_1000(api, emulator):
    emulator.generate_users(1001, prefix="many", roles=["biocommons/platform/sbp"])

    last_allowed = api("GET", f"/roles/{SBP_ROLE}/users?page=9&per_page=100")
    refused = api("GET", f"/roles/{SBP_ROLE}/users?page=10&per_page=100")

    assert len(last_allowed.json()) == 100
    assert refused.status == 400
    assert "use the checkpoint pagination method" in refused.json()["message"]


@pytest.mark.parametrize("query", ["take=101", "take=0", "per_page=101", "page=-1", "from=%%%"])
def test_bad_paging_parameters_are_a_400(api, query):
    reply = api("GET", f"/roles/{GALAXY_ROLE}/users?{query}")

    assert reply.status == 400
    assert reply.json()["errorCode"] == "invalid_query_string"
