"""Who may do what (30 §1): each admin kind on each resource kind, and the identity endpoints."""

import pytest

from aai.errors import ForbiddenError, NotFoundError
from aai.extensions import db
from aai.identity.permissions import (
    administered_group_ids,
    administered_platform_ids,
    is_general_admin,
    require_biocommons_admin,
    require_general_admin,
    require_group_admin,
    require_platform_admin,
    require_user_admin,
)
from aai.identity.tokens import current_token
from aai.models import GroupRoleLink, PlatformEnum, PlatformRoleLink

BIOCOMMONS_ADMIN = "biocommons/role/biocommons/admin"
GALAXY_ADMIN = "biocommons/role/galaxy/admin"
SBP_ADMIN = "biocommons/role/sbp/admin"
TSI_ADMIN = "biocommons/role/tsi/admin"
TSI = "biocommons/group/tsi"
SBP_BUNDLE = "biocommons/group/sbp_workflow_execution"


@pytest.fixture
def world(app, make_user, make_role, make_group, make_platform_membership, make_group_membership):
    """Admin roles linked in the database, two groups, admins and members of each kind."""
    roles = {name: make_role(name=name) for name in (GALAXY_ADMIN, SBP_ADMIN, TSI_ADMIN)}
    db.session.add_all(
        [
            PlatformRoleLink(platform_id=PlatformEnum.GALAXY, role_id=roles[GALAXY_ADMIN].id),
            PlatformRoleLink(platform_id=PlatformEnum.SBP, role_id=roles[SBP_ADMIN].id),
        ]
    )
    tsi = make_group(group_id=TSI, name="Threatened Species Initiative", short_name="TSI")
    bundle = make_group(group_id=SBP_BUNDLE, name="SBP workflow execution", short_name="SBP-WE")
    db.session.add(GroupRoleLink(group_id=tsi.group_id, role_id=roles[TSI_ADMIN].id))
    users = {
        name: make_user()
        for name in (
            "galaxy_admin",
            "sbp_admin",
            "tsi_admin",
            "galaxy_user",
            "sbp_user",
            "tsi_user",
        )
    }
    make_platform_membership(user=users["galaxy_user"], platform_id=PlatformEnum.GALAXY)
    make_platform_membership(user=users["sbp_user"], platform_id=PlatformEnum.SBP)
    make_group_membership(user=users["tsi_user"], group=tsi)
    db.session.flush()
    return {"roles": roles, "users": users, "tsi": tsi, "bundle": bundle}


@pytest.fixture
def as_caller(app, make_token):
    """Run permission checks as a caller with these roles, inside a request with their token."""

    def enter(user, roles):
        token = make_token(user.id if user else "auth0|stranger", roles=roles)
        return app.test_request_context(headers={"Authorization": f"Bearer {token}"})

    return enter


def test_platform_admin_rights_come_from_database_links(world, as_caller):
    with as_caller(world["users"]["galaxy_admin"], [GALAXY_ADMIN]):
        token = current_token()
        assert administered_platform_ids(token) == {PlatformEnum.GALAXY}
        assert administered_group_ids(token) == set()
        assert is_general_admin(token)


def test_sbp_admin_also_administers_the_sbp_bundle_group(world, as_caller):
    with as_caller(world["users"]["sbp_admin"], [SBP_ADMIN]):
        assert administered_group_ids(current_token()) == {SBP_BUNDLE}
        assert require_group_admin(SBP_BUNDLE).group_id == SBP_BUNDLE


def test_admin_of_one_platform_cannot_manage_another(world, as_caller):
    users = world["users"]
    with as_caller(users["galaxy_admin"], [GALAXY_ADMIN]):
        assert require_platform_admin("galaxy").id is PlatformEnum.GALAXY
        assert require_user_admin(users["galaxy_user"].id).id == users["galaxy_user"].id
        with pytest.raises(ForbiddenError, match="manage this platform"):
            require_platform_admin("sbp")
        with pytest.raises(ForbiddenError, match="manage this user"):
            require_user_admin(users["sbp_user"].id)
        with pytest.raises(ForbiddenError, match="manage this user"):
            require_user_admin(users["tsi_user"].id)
        with pytest.raises(ForbiddenError, match="manage this group"):
            require_group_admin(TSI)


def test_group_admin_manages_group_members(world, as_caller):
    users = world["users"]
    with as_caller(users["tsi_admin"], [TSI_ADMIN]):
        assert require_group_admin(TSI).group_id == TSI
        assert require_user_admin(users["tsi_user"].id).id == users["tsi_user"].id
        with pytest.raises(ForbiddenError, match="manage this platform"):
            require_platform_admin("galaxy")


def test_biocommons_admin_passes_the_gate_but_manages_nothing(world, as_caller, make_user):
    with as_caller(make_user(), [BIOCOMMONS_ADMIN]):
        assert is_general_admin(current_token())
        with pytest.raises(ForbiddenError, match="manage this platform"):
            require_platform_admin("galaxy")
        with pytest.raises(ForbiddenError, match="manage this user"):
            require_user_admin(world["users"]["galaxy_user"].id)


@pytest.mark.parametrize("roles", [[GALAXY_ADMIN], [BIOCOMMONS_ADMIN]])
def test_admin_role_without_a_live_database_user_has_no_authority(
    world, as_caller, make_user, roles
):
    for caller in (None, make_user(is_deleted=True)):
        with as_caller(caller, roles):
            # The portal's menu boolean keeps the original's answer for BioCommons admins.
            assert is_general_admin(current_token()) is (roles == [BIOCOMMONS_ADMIN])
            with pytest.raises(ForbiddenError, match="live account"):
                require_general_admin()
            if roles == [BIOCOMMONS_ADMIN]:
                with pytest.raises(ForbiddenError, match="live account"):
                    require_biocommons_admin()


def test_deleted_link_or_role_removes_the_rights(world, as_caller):
    link = db.session.get(PlatformRoleLink, (PlatformEnum.GALAXY, world["roles"][GALAXY_ADMIN].id))
    link.soft_delete()
    world["roles"][TSI_ADMIN].soft_delete()
    db.session.flush()
    with as_caller(world["users"]["galaxy_admin"], [GALAXY_ADMIN, TSI_ADMIN]):
        assert administered_platform_ids(current_token()) == set()
        assert administered_group_ids(current_token()) == set()


def test_unknown_resources_are_404(world, as_caller):
    with as_caller(world["users"]["galaxy_admin"], [GALAXY_ADMIN]):
        with pytest.raises(NotFoundError, match="Platform 'nebula' not found"):
            require_platform_admin("nebula")
        with pytest.raises(NotFoundError, match="Group biocommons/group/none not found"):
            require_group_admin("biocommons/group/none")
        with pytest.raises(NotFoundError, match="User 'auth0|ghost' not found"):
            require_user_admin("auth0|ghost")


# --- the identity endpoints -----------------------------------------------------------------


def bearer(make_token, user, roles) -> dict:
    return {
        "Authorization": f"Bearer {make_token(user.id if user else 'auth0|stranger', roles=roles)}"
    }


def test_is_general_admin_is_always_a_boolean(client, world, make_token):
    users = world["users"]
    answers = {
        "platform admin": (users["galaxy_admin"], [GALAXY_ADMIN], True),
        "group admin": (users["tsi_admin"], [TSI_ADMIN], True),
        "biocommons admin": (None, [BIOCOMMONS_ADMIN], True),
        "plain user": (users["galaxy_user"], ["biocommons/platform/galaxy"], False),
        "unknown user": (None, [], False),
    }
    for user, roles, expected in answers.values():
        response = client.get("/me/is-general-admin", headers=bearer(make_token, user, roles))
        assert response.status_code == 200
        assert response.json is expected


def test_admin_role_lists(client, world, make_token):
    headers = bearer(make_token, world["users"]["sbp_admin"], [SBP_ADMIN, TSI_ADMIN])
    platforms = client.get("/me/platforms/admin-roles", headers=headers)
    assert platforms.json == [{"id": "sbp", "name": "Structural Biology Platform"}]
    groups = client.get("/me/groups/admin-roles", headers=headers)
    assert groups.json == [
        {"id": SBP_BUNDLE, "name": "SBP workflow execution", "short_name": "SBP-WE"},
        {"id": TSI, "name": "Threatened Species Initiative", "short_name": "TSI"},
    ]


def test_platform_is_admin_endpoint(client, world, make_token):
    admin = bearer(make_token, world["users"]["galaxy_admin"], [GALAXY_ADMIN])
    assert client.get("/admin/platforms/galaxy/is-admin", headers=admin).json is True
    assert client.get("/admin/platforms/sbp/is-admin", headers=admin).json is False
    missing = client.get("/admin/platforms/nebula/is-admin", headers=admin)
    assert missing.status_code == 404
    assert missing.json == {"detail": "Platform 'nebula' not found"}
    plain = bearer(make_token, world["users"]["galaxy_user"], [])
    denied = client.get("/admin/platforms/galaxy/is-admin", headers=plain)
    assert denied.status_code == 403
    assert denied.json == {"detail": "You must be an admin to access this endpoint."}
