"""`/biocommons-admin` (30 §3): groups, platforms, admin-role sets and roles, for BioCommons
admins only."""

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.models import (
    Auth0Role,
    BiocommonsGroup,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformRoleLink,
)
from tests.world import ROLE_IDS

NOT_AN_ADMIN = {"detail": "You must be an admin to access this endpoint."}


def platform_admin_roles(platform: PlatformEnum) -> list[str]:
    db.session.expire_all()
    return [role.name for role in db.session.get(Platform, platform).admin_roles]


def test_create_group(client, admin_headers, make_role):
    make_role(id="rol_quolls", name="biocommons/group/quolls")
    response = client.post(
        "/biocommons-admin/groups/create",
        json={
            "group_id": "biocommons/group/quolls",
            "name": "Quoll Conservation",
            "short_name": "QC",
            "admin_roles": ["biocommons/role/tsi/admin"],
        },
        headers=admin_headers("biocommons"),
    )
    assert response.status_code == 200
    assert response.json == {
        "group_id": "biocommons/group/quolls",
        "name": "Quoll Conservation",
        "admin_roles": ["biocommons/role/tsi/admin"],
    }
    group = db.session.get(BiocommonsGroup, "biocommons/group/quolls")
    assert [role.name for role in group.admin_roles] == ["biocommons/role/tsi/admin"]
    duplicate = client.post(
        "/biocommons-admin/groups/create",
        json={"group_id": "biocommons/group/quolls", "name": "Q2", "short_name": "Q2"},
        headers=admin_headers("biocommons"),
    )
    assert (duplicate.status_code, duplicate.json) == (
        409,
        {"detail": "Group biocommons/group/quolls already exists"},
    )


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"group_id": "biocommons/group/bilby", "name": "Bilby", "short_name": "B"},
            404,
            "Role for Bilby doesn't exist in the DB",
        ),
        (
            {
                "group_id": "biocommons/group/tsi",
                "name": "T",
                "short_name": "T",
                "admin_roles": ["biocommons/role/none/admin"],
            },
            400,
            "Role biocommons/role/none/admin doesn't exist in DB - create roles first",
        ),
    ],
)
def test_create_group_refusals(client, admin_headers, body, status, detail):
    response = client.post(
        "/biocommons-admin/groups/create", json=body, headers=admin_headers("biocommons")
    )
    assert (response.status_code, response.json) == (status, {"detail": detail})


@pytest.mark.parametrize(
    "body",
    [
        {"group_id": "tsi", "name": "T", "short_name": "T"},
        {
            "group_id": "biocommons/group/ok",
            "name": "T",
            "short_name": "T",
            "admin_roles": ["Admin"],
        },
        {"group_id": "biocommons/group/ok", "name": "", "short_name": "T"},
    ],
)
def test_create_group_validation(client, admin_headers, body):
    response = client.post(
        "/biocommons-admin/groups/create", json=body, headers=admin_headers("biocommons")
    )
    assert response.status_code == 422
    assert isinstance(response.json["detail"], str)


def test_create_platform_that_exists(client, admin_headers):
    response = client.post(
        "/biocommons-admin/platforms/create",
        json={"id": "galaxy", "name": "Galaxy", "admin_roles": []},
        headers=admin_headers("biocommons"),
    )
    assert (response.status_code, response.json) == (
        400,
        {"detail": "Platform galaxy already exists"},
    )


def test_create_platform_revives_a_deleted_one(client, admin_headers):
    db.session.get(Platform, PlatformEnum.SBP).soft_delete()
    db.session.flush()
    response = client.post(
        "/biocommons-admin/platforms/create",
        json={"id": "sbp", "name": "SBP Again", "admin_roles": ["biocommons/role/sbp/admin"]},
        headers=admin_headers("biocommons"),
    )
    assert response.status_code == 200
    assert response.json == {
        "id": "sbp",
        "name": "SBP Again",
        "admin_roles": ["biocommons/role/sbp/admin"],
    }
    db.session.expire_all()
    platform = db.session.get(Platform, PlatformEnum.SBP)
    assert (platform.is_deleted, platform.name, platform.role_id) == (
        False,
        "SBP Again",
        ROLE_IDS["biocommons/platform/sbp"],
    )


def test_set_platform_admin_roles_replaces_the_set(client, admin_headers):
    headers = admin_headers("biocommons")
    response = client.post(
        "/biocommons-admin/platforms/galaxy/set-admin-roles",
        json={"role_names": ["biocommons/role/tsi/admin", "biocommons/role/sbp/admin"]},
        headers=headers,
    )
    assert (response.status_code, response.json) == (
        200,
        {"message": "Admin roles for platform galaxy set successfully."},
    )
    assert sorted(platform_admin_roles(PlatformEnum.GALAXY)) == [
        "biocommons/role/sbp/admin",
        "biocommons/role/tsi/admin",
    ]
    links = db.session.scalars(
        select(PlatformRoleLink).where(PlatformRoleLink.platform_id == PlatformEnum.GALAXY)
    )
    assert ROLE_IDS["biocommons/role/galaxy/admin"] not in {link.role_id for link in links}
    refused = client.post(
        "/biocommons-admin/platforms/galaxy/set-admin-roles",
        json={"role_names": ["biocommons/role/galaxy/admin", "biocommons/role/nope/admin"]},
        headers=headers,
    )
    assert refused.status_code == 400
    assert sorted(platform_admin_roles(PlatformEnum.GALAXY)) == [
        "biocommons/role/sbp/admin",
        "biocommons/role/tsi/admin",
    ]
    missing = client.post(
        "/biocommons-admin/platforms/nebula/set-admin-roles",
        json={"role_names": []},
        headers=headers,
    )
    assert missing.status_code == 404


def test_set_group_admin_roles_uses_the_short_id(client, admin_headers):
    headers = admin_headers("biocommons")
    response = client.post(
        "/biocommons-admin/groups/tsi/set-admin-roles",
        json={"role_names": ["biocommons/role/galaxy/admin"]},
        headers=headers,
    )
    assert response.json == {"message": "Admin roles for group tsi set successfully."}
    links = db.session.scalars(
        select(GroupRoleLink).where(GroupRoleLink.group_id == "biocommons/group/tsi")
    )
    assert [link.role_id for link in links] == [ROLE_IDS["biocommons/role/galaxy/admin"]]
    missing = client.post(
        "/biocommons-admin/groups/none/set-admin-roles", json={"role_names": []}, headers=headers
    )
    assert (missing.status_code, missing.json) == (
        404,
        {"detail": "Group biocommons/group/none not found in database"},
    )


def test_create_role_reuses_an_auth0_role_with_that_exact_name(client, admin_headers, emulator):
    response = client.post(
        "/biocommons-admin/roles/create",
        json={"name": "biocommons/role/galaxy/admin", "description": "ignored"},
        headers=admin_headers("biocommons"),
    )
    assert response.status_code == 200
    assert response.json["id"] == ROLE_IDS["biocommons/role/galaxy/admin"]
    assert emulator.requests("POST", "/api/v2/roles") == []


def test_create_role_creates_it_in_auth0_and_the_database(client, admin_headers, emulator):
    response = client.post(
        "/biocommons-admin/roles/create",
        json={"name": "biocommons/role/galaxy/adm", "description": "a prefix of an existing name"},
        headers=admin_headers("biocommons"),
    )
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["description"], body["is_deleted"]) == (
        "biocommons/role/galaxy/adm",
        "a prefix of an existing name",
        False,
    )
    assert len(emulator.requests("POST", "/api/v2/roles")) == 1
    assert db.session.get(Auth0Role, body["id"]).name == "biocommons/role/galaxy/adm"


def test_create_role_name_must_follow_the_convention(client, admin_headers):
    response = client.post(
        "/biocommons-admin/roles/create",
        json={"name": "Admin"},
        headers=admin_headers("biocommons"),
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/biocommons-admin/groups/create", {}),
        ("/biocommons-admin/platforms/create", {}),
        ("/biocommons-admin/platforms/galaxy/set-admin-roles", {"role_names": []}),
        ("/biocommons-admin/groups/tsi/set-admin-roles", {"role_names": []}),
        ("/biocommons-admin/roles/create", {"name": "biocommons/role/x/admin"}),
    ],
)
@pytest.mark.parametrize("kind", ["galaxy", "tsi", "plain"])
def test_only_biocommons_admins(client, admin_headers, emulator, path, body, kind):
    response = client.post(path, json=body, headers=admin_headers(kind))
    assert (response.status_code, response.json) == (403, NOT_AN_ADMIN)
    assert sorted(platform_admin_roles(PlatformEnum.GALAXY)) == ["biocommons/role/galaxy/admin"]
    assert emulator.requests("POST", "/api/v2/roles") == []
