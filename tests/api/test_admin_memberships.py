"""Approve, revoke, reject and unreject (30 §2.2): status, body, rows, history, outbox, and the
Auth0 role in the emulator; who may do it; Auth0 failures leave nothing half-written (D6)."""

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    GroupMembership,
    GroupMembershipHistory,
    PlatformEnum,
    PlatformMembership,
    PlatformMembershipHistory,
)
from tests.api.admin_fixtures import auth0_role_names, outbox
from tests.world import SBP_BUNDLE, TSI

UPDATED = {"status": "ok", "updated": True}


def platform_row(user_id: str, platform: str) -> PlatformMembership:
    db.session.expire_all()
    return db.session.scalars(
        select(PlatformMembership).where(
            PlatformMembership.user_id == user_id,
            PlatformMembership.platform_id == PlatformEnum(platform),
        )
    ).one()


def group_row(user_id: str, group_id: str) -> GroupMembership:
    db.session.expire_all()
    return db.session.scalars(
        select(GroupMembership).where(
            GroupMembership.user_id == user_id, GroupMembership.group_id == group_id
        )
    ).one()


def platform_history(user_id: str) -> list[tuple]:
    rows = db.session.scalars(
        select(PlatformMembershipHistory)
        .where(PlatformMembershipHistory.user_id == user_id)
        .order_by(PlatformMembershipHistory.updated_at)
    )
    return [(row.platform_id.value, row.approval_status.value, row.reason) for row in rows]


def group_history(user_id: str) -> list[tuple]:
    rows = db.session.scalars(
        select(GroupMembershipHistory)
        .where(GroupMembershipHistory.user_id == user_id)
        .order_by(GroupMembershipHistory.updated_at)
    )
    return [(row.group_id, row.approval_status.value, row.reason) for row in rows]


# --- platforms -------------------------------------------------------------------------------


def test_approve_platform_grants_the_role_and_records_history(
    client, admin_world, admin_headers, member, emulator
):
    user = member({"galaxy": "pending"})
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/approve", json={}, headers=admin_headers("galaxy")
    )
    assert (response.status_code, response.json) == (200, UPDATED)
    row = platform_row(user.id, "galaxy")
    assert row.approval_status is ApprovalStatusEnum.APPROVED
    assert row.updated_by_id == admin_world.admins["galaxy"].id
    assert platform_history(user.id) == [("galaxy", "approved", None)]
    assert "biocommons/platform/galaxy" in auth0_role_names(user.id)
    assert outbox() == []  # no email for platform approvals


def test_reapproving_does_not_call_auth0_but_records_history(
    client, admin_headers, member, emulator
):
    user = member({"galaxy": "approved"})
    before = len(emulator.requests("POST", f"/api/v2/users/{user.id}/roles"))
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/approve", headers=admin_headers("galaxy")
    )
    assert response.status_code == 200
    assert len(emulator.requests("POST", f"/api/v2/users/{user.id}/roles")) == before
    assert platform_history(user.id) == [("galaxy", "approved", None)]


def test_revoke_platform_removes_the_role_with_a_trimmed_reason(
    client, admin_world, admin_headers, member
):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/revoke",
        json={"reason": "  left the lab  "},
        headers=admin_headers("galaxy"),
    )
    assert (response.status_code, response.json) == (200, UPDATED)
    row = platform_row(user.id, "galaxy")
    assert (row.approval_status, row.revocation_reason) == (
        ApprovalStatusEnum.REVOKED,
        "left the lab",
    )
    assert platform_history(user.id) == [("galaxy", "revoked", "left the lab")]
    assert "biocommons/platform/galaxy" not in auth0_role_names(user.id)


def test_revoking_a_pending_request_makes_no_auth0_call(client, admin_headers, member, emulator):
    user = member({"galaxy": "pending"})
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/revoke",
        json={"reason": "   "},
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 200
    assert platform_row(user.id, "galaxy").revocation_reason is None
    assert emulator.requests("DELETE", f"/api/v2/users/{user.id}/roles") == []


def test_approve_then_revoke_again_clears_the_reason(client, admin_headers, member):
    user = member({"galaxy": "revoked"})
    headers = admin_headers("galaxy")
    client.post(
        f"/admin/users/{user.id}/platforms/galaxy/revoke", json={"reason": "x"}, headers=headers
    )
    client.post(f"/admin/users/{user.id}/platforms/galaxy/approve", headers=headers)
    row = platform_row(user.id, "galaxy")
    assert (row.approval_status, row.revocation_reason) == (ApprovalStatusEnum.APPROVED, None)
    assert [entry[1:] for entry in platform_history(user.id)] == [
        ("revoked", "x"),
        ("approved", None),
    ]


def test_platform_admin_cannot_act_on_another_platform(client, admin_headers, member, emulator):
    user = member({"galaxy": "approved", "bpa_data_portal": "pending"})
    before = emulator.requests("POST", f"/api/v2/users/{user.id}/roles")
    response = client.post(
        f"/admin/users/{user.id}/platforms/bpa_data_portal/approve",
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 403
    assert response.json == {"detail": "You do not have permission to manage this platform."}
    assert platform_row(user.id, "bpa_data_portal").approval_status is ApprovalStatusEnum.PENDING
    assert emulator.requests("POST", f"/api/v2/users/{user.id}/roles") == before


@pytest.mark.parametrize(
    ("kind", "platform", "status", "detail"),
    [
        ("tsi", "galaxy", 403, "You do not have permission to manage this platform."),
        ("biocommons", "galaxy", 403, "You do not have permission to manage this platform."),
        ("plain", "galaxy", 403, "You must be an admin to access this endpoint."),
        ("galaxy", "nebula", 404, "Platform 'nebula' not found"),
    ],
)
def test_platform_actions_are_refused(
    client, admin_headers, member, kind, platform, status, detail
):
    user = member({"galaxy": "pending"})
    for action in ("approve", "revoke"):
        response = client.post(
            f"/admin/users/{user.id}/platforms/{platform}/{action}",
            json={"reason": "r"},
            headers=admin_headers(kind),
        )
        assert (response.status_code, response.json) == (status, {"detail": detail})
    assert platform_history(user.id) == []


def test_missing_membership_is_404(client, admin_headers, member):
    user = member({"sbp": "pending"})
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/approve", headers=admin_headers("galaxy")
    )
    assert response.status_code == 404
    assert response.json == {
        "detail": f"Platform membership for user {user.id} on platform galaxy not found"
    }


def test_auth0_failure_leaves_the_membership_unchanged(client, admin_headers, member, emulator):
    user = member({"galaxy": "pending"})
    emulator.add_fault("POST", f"/api/v2/users/{user.id}/roles", status=503, count=5)
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/approve", headers=admin_headers("galaxy")
    )
    assert response.status_code == 503
    assert isinstance(response.json["detail"], str)
    assert platform_row(user.id, "galaxy").approval_status is ApprovalStatusEnum.PENDING
    assert platform_history(user.id) == []


@pytest.mark.parametrize("body", [{"reason": "x" * 1025}, {"reason": 7}, [], "text"])
def test_bad_revoke_bodies_are_422(client, admin_headers, member, body):
    user = member({"galaxy": "approved"})
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/revoke",
        json=body,
        headers=admin_headers("galaxy"),
    )
    assert response.status_code == 422
    assert isinstance(response.json["detail"], str)
    assert platform_row(user.id, "galaxy").approval_status is ApprovalStatusEnum.APPROVED


# --- groups ----------------------------------------------------------------------------------


def test_approve_group_grants_the_role_and_emails_the_member(
    client, admin_world, admin_headers, member
):
    user = member({}, {TSI: "pending"})
    response = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/approve", json={}, headers=admin_headers("tsi")
    )
    assert (response.status_code, response.json) == (200, UPDATED)
    row = group_row(user.id, TSI)
    assert row.approval_status is ApprovalStatusEnum.APPROVED
    assert row.updated_by_id == admin_world.admins["tsi"].id
    assert group_history(user.id) == [(TSI, "approved", None)]
    assert TSI in auth0_role_names(user.id)
    (email,) = outbox()
    assert email.to_address == user.email
    assert email.subject == "Threatened Species Initiative Service Bundle access approved"
    assert "Dear Member," in email.body_text  # the given name from Auth0


def test_the_url_encoded_group_id_works_too(client, admin_headers, member):
    user = member({}, {TSI: "revoked"})
    response = client.post(
        f"/admin/users/{user.id}/groups/biocommons%2Fgroup%2Ftsi/approve",
        headers=admin_headers("tsi"),
    )
    assert response.status_code == 200
    assert group_row(user.id, TSI).approval_status is ApprovalStatusEnum.APPROVED


def test_approval_email_falls_back_to_there_without_an_auth0_profile(
    client, admin_headers, member, emulator
):
    user = member({}, {TSI: "pending"})
    emulator.add_fault("GET", f"/api/v2/users/{user.id}", status=404)
    response = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/approve", headers=admin_headers("tsi")
    )
    assert response.status_code == 200
    assert "Dear there," in outbox()[0].body_text


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_only_pending_or_revoked_can_be_approved(client, admin_headers, member, emulator, status):
    user = member({}, {TSI: status})
    response = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/approve", headers=admin_headers("tsi")
    )
    assert response.status_code == 400
    assert response.json == {"detail": "Only pending or revoked group memberships can be approved."}
    assert outbox() == []


def test_group_approval_with_auth0_down_writes_nothing(client, admin_headers, member, emulator):
    user = member({}, {TSI: "pending"})
    emulator.add_fault("POST", f"/api/v2/users/{user.id}/roles", status=500, count=5)
    response = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/approve", headers=admin_headers("tsi")
    )
    assert response.status_code == 503
    assert group_row(user.id, TSI).approval_status is ApprovalStatusEnum.PENDING
    assert group_history(user.id) == []
    assert outbox() == []


def test_reject_and_unreject(client, admin_world, admin_headers, member, emulator):
    user = member({}, {TSI: "pending"})
    headers = admin_headers("tsi")
    requested_at = group_row(user.id, TSI).requested_at
    rejected = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/reject",
        json={"reason": " not eligible "},
        headers=headers,
    )
    assert (rejected.status_code, rejected.json) == (200, UPDATED)
    row = group_row(user.id, TSI)
    assert (row.approval_status, row.rejection_reason) == (
        ApprovalStatusEnum.REJECTED,
        "not eligible",
    )
    again = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/reject", json={"reason": "x"}, headers=headers
    )
    assert again.json == {"detail": "Only pending group requests can be rejected."}
    unrejected = client.post(f"/admin/users/{user.id}/groups/{TSI}/unreject", headers=headers)
    assert (unrejected.status_code, unrejected.json) == (200, UPDATED)
    row = group_row(user.id, TSI)
    assert (row.approval_status, row.rejection_reason) == (ApprovalStatusEnum.PENDING, None)
    assert row.requested_at == requested_at  # the same request, not a new one
    assert group_history(user.id) == [
        (TSI, "rejected", "not eligible"),
        (TSI, "pending", None),
    ]
    once_more = client.post(f"/admin/users/{user.id}/groups/{TSI}/unreject", headers=headers)
    assert once_more.json == {"detail": "Only rejected group requests can be unrejected."}
    assert outbox() == []
    assert emulator.requests("POST", f"/api/v2/users/{user.id}/roles") == []


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 256}])
def test_reject_needs_a_reason(client, admin_headers, member, body):
    user = member({}, {TSI: "pending"})
    response = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/reject", json=body, headers=admin_headers("tsi")
    )
    assert response.status_code == 422
    assert response.json["field_errors"][0]["field"] == "reason"
    assert group_row(user.id, TSI).approval_status is ApprovalStatusEnum.PENDING


def test_revoke_group_removes_the_role(client, admin_headers, member):
    user = member({}, {TSI: "approved"})
    response = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/revoke",
        json={"reason": "project ended"},
        headers=admin_headers("tsi"),
    )
    assert response.status_code == 200
    row = group_row(user.id, TSI)
    assert (row.approval_status, row.revocation_reason) == (
        ApprovalStatusEnum.REVOKED,
        "project ended",
    )
    assert TSI not in auth0_role_names(user.id)
    assert group_history(user.id) == [(TSI, "revoked", "project ended")]


def test_sbp_admin_manages_the_sbp_bundle_but_not_tsi(client, admin_headers, member):
    user = member({}, {SBP_BUNDLE: "pending", TSI: "pending"})
    headers = admin_headers("sbp")
    ok = client.post(f"/admin/users/{user.id}/groups/{SBP_BUNDLE}/approve", headers=headers)
    assert ok.status_code == 200
    assert SBP_BUNDLE in auth0_role_names(user.id)
    refused = client.post(f"/admin/users/{user.id}/groups/{TSI}/approve", headers=headers)
    assert refused.status_code == 403
    assert refused.json == {"detail": "You do not have permission to manage this group."}


@pytest.mark.parametrize(
    ("kind", "group", "status", "detail"),
    [
        ("galaxy", TSI, 403, "You do not have permission to manage this group."),
        ("tsi", "biocommons/group/none", 404, "Group biocommons/group/none not found in database"),
        ("plain", TSI, 403, "You must be an admin to access this endpoint."),
    ],
)
def test_group_actions_are_refused(client, admin_headers, member, kind, group, status, detail):
    user = member({"galaxy": "approved"}, {TSI: "pending"})
    for action in ("approve", "reject", "unreject", "revoke"):
        response = client.post(
            f"/admin/users/{user.id}/groups/{group}/{action}",
            json={"reason": "r"},
            headers=admin_headers(kind),
        )
        assert (response.status_code, response.json) == (status, {"detail": detail})
    assert group_history(user.id) == []


def test_memberships_of_deleted_users_are_not_found(client, admin_headers, member):
    user = member({"galaxy": "pending"}, {TSI: "pending"})
    user.soft_delete()
    db.session.flush()
    platform = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/approve", headers=admin_headers("galaxy")
    )
    group = client.post(
        f"/admin/users/{user.id}/groups/{TSI}/approve", headers=admin_headers("tsi")
    )
    assert (platform.status_code, group.status_code) == (404, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/%00bad/platforms/galaxy/approve",
        "/admin/users/auth0%7Cx%20y/platforms/galaxy/approve",
        "/admin/users/auth0|abc-/platforms/galaxy/approve",
        "/admin/users/auth0|abc/platforms/gal%00axy/approve",
        "/admin/users/auth0|abc/groups/biocommons/group/t%00si/approve",
        "/admin/users/auth0|abc/groups/biocommons/group/ts%20i/approve",
    ],
)
def test_odd_path_ids_are_4xx_not_500(client, admin_headers, path):
    response = client.post(path, headers=admin_headers("galaxy"))
    assert response.status_code in (404, 422)
    assert isinstance(response.json["detail"], str)
