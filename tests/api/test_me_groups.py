"""The caller's memberships and group (bundle) requests (20 §9.6–9.12, portal call #3)."""

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import (
    ApprovalStatusEnum,
    GroupMembership,
    GroupMembershipHistory,
    PlatformEnum,
)
from tests.api.user_fixtures import TSI_ADMIN_EMAIL, error_body
from tests.world import ROLE_IDS, SBP_BUNDLE, TSI

APPROVED, PENDING = ApprovalStatusEnum.APPROVED, ApprovalStatusEnum.PENDING
REJECTED, REVOKED = ApprovalStatusEnum.REJECTED, ApprovalStatusEnum.REVOKED


@pytest.fixture
def member(make_account, bundles, make_platform_membership, make_group_membership):
    """An account with an approved and a pending platform, and a pending TSI request."""
    account = make_account()
    make_platform_membership(user=account.user, platform_id=PlatformEnum.GALAXY)
    make_platform_membership(
        user=account.user, platform_id=PlatformEnum.SBP, approval_status=PENDING
    )
    make_group_membership(user=account.user, group=bundles["tsi"], approval_status=PENDING)
    return account


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/me/platforms",
            [
                {"platform_id": "galaxy", "approval_status": "approved"},
                {"platform_id": "sbp", "approval_status": "pending"},
            ],
        ),
        ("/me/platforms/approved", [{"platform_id": "galaxy", "approval_status": "approved"}]),
        ("/me/platforms/pending", [{"platform_id": "sbp", "approval_status": "pending"}]),
        (
            "/me/groups",
            [
                {
                    "group_id": TSI,
                    "approval_status": "pending",
                    "group_name": "Threatened Species Initiative",
                }
            ],
        ),
        ("/me/groups/approved", []),
        (
            "/me/groups/pending",
            [
                {
                    "group_id": TSI,
                    "approval_status": "pending",
                    "group_name": "Threatened Species Initiative",
                }
            ],
        ),
        (
            "/me/all/pending",
            {
                "platforms": [{"platform_id": "sbp", "approval_status": "pending"}],
                "groups": [
                    {
                        "group_id": TSI,
                        "approval_status": "pending",
                        "group_name": "Threatened Species Initiative",
                    }
                ],
            },
        ),
    ],
)
def test_membership_lists(client, member, path, expected):
    response = client.get(path, headers=member.headers)
    assert (response.status_code, response.json) == (200, expected)


def test_membership_lists_skip_deleted_rows_and_other_users(
    client, member, make_platform_membership, make_user
):
    deleted = make_platform_membership(platform_id=PlatformEnum.BPA_DATA_PORTAL, user=member.user)
    deleted.soft_delete()
    make_platform_membership(platform_id=PlatformEnum.BPA_DATA_PORTAL, user=make_user())
    db.session.flush()
    ids = [item["platform_id"] for item in client.get("/me/platforms", headers=member.headers).json]
    assert ids == ["galaxy", "sbp"]


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/me/platforms", []),
        ("/me/platforms/pending", []),
        ("/me/groups", []),
        ("/me/groups/approved", []),
        ("/me/all/pending", {"platforms": [], "groups": []}),
    ],
)
def test_membership_lists_of_a_caller_without_a_row_are_empty_as_in_the_original(
    client, make_token, path, empty
):
    response = client.get(path, headers={"Authorization": f"Bearer {make_token('auth0|nobody')}"})
    assert (response.status_code, response.json) == (200, empty)


@pytest.mark.parametrize("path", ["/me/platforms", "/me/groups", "/me/profile"])
def test_membership_lists_need_a_token(client, path):
    response = client.get(path)
    assert (response.status_code, response.json) == (401, {"detail": "Not authenticated"})


# --- requests ------------------------------------------------------------------------------------


def memberships_of(user_id: str) -> list[GroupMembership]:
    db.session.expire_all()  # the request ran in its own session
    query = select(GroupMembership).where(GroupMembership.user_id == user_id)
    return list(db.session.scalars(query.order_by(GroupMembership.group_id)))


def history_of(user_id: str) -> list[tuple]:
    query = select(GroupMembershipHistory).where(GroupMembershipHistory.user_id == user_id)
    rows = db.session.scalars(query.order_by(GroupMembershipHistory.updated_at))
    return [(row.group_id, row.approval_status) for row in rows]


def test_bulk_request_creates_pending_memberships_and_emails(
    client, make_account, bundles, outbox, emulator
):
    account = make_account(email="ada@unsw.edu.au")
    body = {
        "groups": [
            {"group_id": TSI, "request_reason": "  quolls  "},
            {"group_id": SBP_BUNDLE, "request_reason": ""},
        ]
    }
    response = client.post("/me/groups/request", json=body, headers=account.headers)

    assert response.status_code == 200
    assert response.json == {
        "results": [
            {
                "group_id": TSI,
                "status": "requested",
                "message": f"Group membership for {TSI} requested successfully.",
            },
            {
                "group_id": SBP_BUNDLE,
                "status": "requested",
                "message": f"Group membership for {SBP_BUNDLE} requested successfully.",
            },
        ]
    }
    sbp, tsi = memberships_of(account.user.id)
    assert (tsi.approval_status, tsi.request_reason, tsi.updated_by_id) == (PENDING, "quolls", None)
    assert tsi.requested_at is not None
    assert (sbp.approval_status, sbp.request_reason) == (PENDING, None)
    assert sorted(history_of(account.user.id)) == [(SBP_BUNDLE, PENDING), (TSI, PENDING)]
    # TSI's admin (seed user) is told; nobody holds the SBP admin role in the seed.
    admin_emails = outbox(TSI_ADMIN_EMAIL)
    assert [row.subject for row in admin_emails] == [
        "Threatened Species Initiative Service Bundle request"
    ]
    assert "Reason: quolls" in admin_emails[0].body_text
    assert f"Email: {account.user.email}" in admin_emails[0].body_text
    assert f"Name: Ada {account.user.username.capitalize()}" in admin_emails[0].body_text
    assert sorted(row.subject for row in outbox(account.user.email)) == [
        "Your SBP Workflow Execution Service Bundle request has been received",
        "Your Threatened Species Initiative Service Bundle request has been received",
    ]
    # No Auth0 role is granted for a pending request.
    assert emulator.requests(method="POST", path="/api/v2/users/") == []


def test_sbp_admins_hear_about_sbp_bundle_requests(client, make_account, bundles, outbox):
    admin = make_account(email="sbp.boss@example.org", name="Rosalind Franklin")
    auth0_client().add_user_roles(admin.user.id, [ROLE_IDS["biocommons/role/sbp/admin"]])
    account = make_account(email="ada@student.unsw.edu.au")
    body = {"groups": [{"group_id": SBP_BUNDLE, "request_reason": "crystals"}]}
    assert client.post("/me/groups/request", json=body, headers=account.headers).status_code == 200
    (notice,) = outbox("sbp.boss@example.org")
    assert notice.subject == "SBP Workflow Execution Service Bundle request"
    assert "Dear Rosalind" in notice.body_text


def test_legacy_single_request(client, make_account, bundles, outbox):
    account = make_account()
    response = client.post(
        "/me/groups/request",
        json={"group_id": TSI, "request_reason": "genomics"},
        headers=account.headers,
    )
    assert (response.status_code, response.json) == (
        200,
        {"message": f"Group membership for {TSI} requested successfully."},
    )
    (membership,) = memberships_of(account.user.id)
    assert membership.request_reason == "genomics"


def test_sbp_bundle_needs_an_institutional_email(client, make_account, bundles):
    account = make_account(email="ada@gmail.com")
    body = {"groups": [{"group_id": TSI, "request_reason": "x"}, {"group_id": SBP_BUNDLE}]}
    response = client.post("/me/groups/request", json=body, headers=account.headers)
    assert response.status_code == 400
    assert response.json == {
        "detail": "The SBP Workflow Execution bundle is only available with an email address "
        "of an Australian research institution."
    }
    assert memberships_of(account.user.id) == []  # all or nothing


def test_rejected_request_may_be_made_again(
    client, make_account, bundles, make_group_membership, outbox
):
    account = make_account()
    make_group_membership(
        user=account.user, group=bundles["tsi"], approval_status=REJECTED, rejection_reason="no"
    )
    body = {"groups": [{"group_id": TSI, "request_reason": "please"}]}
    response = client.post("/me/groups/request", json=body, headers=account.headers)
    assert response.json["results"][0]["status"] == "re-requested"
    (membership,) = memberships_of(account.user.id)
    assert (membership.approval_status, membership.rejection_reason, membership.request_reason) == (
        PENDING,
        None,
        "please",
    )
    assert history_of(account.user.id) == [(TSI, PENDING)]
    assert len(outbox(TSI_ADMIN_EMAIL)) == 1


def test_deleted_membership_is_revived(client, make_account, bundles, make_group_membership):
    account = make_account()
    old = make_group_membership(user=account.user, group=bundles["tsi"], approval_status=APPROVED)
    old.soft_delete()
    db.session.flush()
    body = {"groups": [{"group_id": TSI, "request_reason": "back"}]}
    assert client.post("/me/groups/request", json=body, headers=account.headers).status_code == 200
    (membership,) = memberships_of(account.user.id)
    assert (membership.id, membership.is_deleted, membership.approval_status) == (
        old.id,
        False,
        PENDING,
    )


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (
            REVOKED,
            "Your account has been revoked access to Threatened Species Initiative, please "
            "contact support to access.",
        ),
        (PENDING, "User {user} already has a membership for biocommons/group/tsi"),
        (APPROVED, "User {user} already has a membership for biocommons/group/tsi"),
    ],
)
def test_existing_membership_conflicts(
    client, make_account, bundles, make_group_membership, outbox, status, detail
):
    account = make_account()
    make_group_membership(user=account.user, group=bundles["tsi"], approval_status=status)
    body = {"groups": [{"group_id": TSI, "request_reason": "again"}]}
    response = client.post("/me/groups/request", json=body, headers=account.headers)
    assert response.status_code == 409
    assert response.json == {"detail": detail.format(user=account.user.id)}
    assert outbox() == []


def test_unknown_group_is_404(client, make_account, bundles):
    account = make_account()
    body = {"groups": [{"group_id": "biocommons/group/nothing", "request_reason": ""}]}
    response = client.post("/me/groups/request", json=body, headers=account.headers)
    assert (response.status_code, response.json) == (
        404,
        {"detail": "Group biocommons/group/nothing not found"},
    )


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"groups": []}, "Request between 1 and 20 groups."),
        ({"groups": [{"group_id": "tsi"}]}, "Group id must look like biocommons/group/<name>."),
        (
            {"groups": [{"group_id": TSI, "request_reason": "r" * 256}]},
            "Request reason must be 255 characters or less.",
        ),
        (
            {"groups": [{"group_id": TSI}, {"group_id": TSI}]},
            "Each group may be requested only once.",
        ),
        ({"group_id": TSI}, "Request reason is required."),
        ({}, "Send either groups or a group_id with its request_reason."),
        (
            {"groups": [{"group_id": TSI}], "group_id": TSI, "request_reason": "x"},
            "Send either groups or a group_id with its request_reason.",
        ),
    ],
)
def test_request_validation_is_422_with_a_string_detail(
    client, make_account, bundles, body, detail
):
    account = make_account()
    response = client.post("/me/groups/request", json=body, headers=account.headers)
    assert response.status_code == 422
    assert response.json["detail"] == detail
    assert response.json["message"] == detail
    assert memberships_of(account.user.id) == []


def test_request_with_admin_listing_down_still_records_the_request(
    client, make_account, bundles, outbox, emulator
):
    account = make_account()
    emulator.add_fault("GET", "/api/v2/roles/", status=503, count=5)
    body = {"groups": [{"group_id": TSI, "request_reason": "x"}]}
    assert client.post("/me/groups/request", json=body, headers=account.headers).status_code == 200
    assert len(memberships_of(account.user.id)) == 1
    assert outbox(TSI_ADMIN_EMAIL) == []
    assert len(outbox(account.user.email)) == 1


def test_request_answers_401_before_reading_a_bad_body(client):
    response = client.post("/me/groups/request", data="{not json", content_type="application/json")
    assert response.status_code == 401


def test_error_body_helper_matches_validation_errors(client, make_account):
    # Guards the helper the other tests compare with.
    account = make_account()
    response = client.post("/me/profile/username/update", json={}, headers=account.headers)
    assert response.json == error_body(
        "Username is required.", [{"field": "username", "message": "Username is required."}]
    )
