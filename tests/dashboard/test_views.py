"""The dashboard's pages: read-only, login required, the original's columns and labels."""

import html
import json
import re
import uuid
from datetime import UTC, datetime

import pytest

from aai import create_app
from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsUserHistory,
    EmailNotification,
    PlatformEnum,
    PlatformMembershipHistory,
)
from tests.dashboard.conftest import BASE_URL, get, post
from tests.settings import settings

VIEWS = (
    "user",
    "deleted_user",
    "user_history",
    "platform",
    "platform_membership",
    "platform_membership_history",
    "group",
    "group_membership",
    "group_membership_history",
    "role",
    "platform_role_link",
    "group_role_link",
    "email_notification",
    "email_change_otp",
)
WRITE_URLS = (
    ("GET", "new/"),
    ("POST", "new/"),
    ("GET", "edit/?id={id}"),
    ("POST", "edit/?id={id}"),
    ("POST", "delete/"),
    ("GET", "delete/"),
    ("POST", "action/"),
    ("GET", "export/csv/"),
    ("GET", "export/json/"),
    ("GET", "ajax/lookup/?name=user&query=a"),
    ("POST", "ajax/update/"),
)


@pytest.mark.parametrize("view", VIEWS)
def test_every_list_needs_a_login(client, view):
    answer = get(client, f"/db-admin/{view}/")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/db-admin/login?next=")


@pytest.mark.parametrize("view", VIEWS)
def test_every_list_renders_for_an_admin(admin_client, view):
    answer = get(admin_client, f"/db-admin/{view}/")
    assert answer.status_code == 200
    assert "AAI Backend Admin" in answer.text


@pytest.mark.parametrize(("method", "url"), WRITE_URLS)
def test_no_create_edit_delete_or_export_url_exists(admin_client, make_user, method, url):
    user = make_user()
    for view in VIEWS:
        answer = admin_client.open(
            f"/db-admin/{view}/{url.format(id=user.id)}",
            method=method,
            base_url=BASE_URL,
            data={"id": user.id, "rowid": user.id, "action": "delete"},
        )
        assert answer.status_code in (403, 404, 405), view
    assert db.session.get(type(user), user.id) is not None


def test_dashboard_is_a_404_when_disabled():
    application = create_app(settings(DB_URL="sqlite://", ENABLE_ADMIN_DASHBOARD="false"))
    client = application.test_client()
    for path in ("/db-admin/", "/db-admin/user/", "/db-admin/login", "/db-admin/auth/auth0"):
        answer = client.get(path)
        assert answer.status_code == 404
        assert answer.json == {"detail": "Not Found"}
    assert "admin" not in application.extensions


def test_index_lists_every_table(admin_client):
    page = get(admin_client, "/db-admin/").text
    for view in VIEWS:
        assert f'href="/db-admin/{view}/"' in page


def test_users_list_shows_live_users_newest_first_with_iso_utc_times(admin_client, make_user):
    older = make_user(created_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC))
    newer = make_user(created_at=datetime(2025, 6, 7, 8, 9, 10, tzinfo=UTC))
    deleted = make_user(is_deleted=True)
    page = get(admin_client, "/db-admin/user/").text
    assert older.email in page
    assert "2024-01-02T03:04:05Z" in page
    assert page.index(newer.email) < page.index(older.email)
    assert deleted.email not in page


def test_user_search_by_email_finds_one(admin_client, make_user):
    wanted, other = make_user(), make_user()
    page = get(admin_client, "/db-admin/user/", query_string={"search": wanted.email}).text
    assert wanted.email in page
    assert other.email not in page


def test_user_details_show_fields_and_memberships(
    admin_client, make_user, make_platform_membership, make_group_membership
):
    user = make_user()
    make_platform_membership(user=user, approval_status=ApprovalStatusEnum.REVOKED)
    group_membership = make_group_membership(user=user)
    page = get(admin_client, "/db-admin/user/details/", query_string={"id": user.id}).text
    for text in (user.id, user.email, user.username, "Galaxy Australia: revoked"):
        assert text in page
    assert f"{group_membership.group.name}: pending" in page


def test_deleted_users_are_listed_apart_and_hidden_from_user_details(admin_client, make_user):
    admin = make_user()
    deleted = make_user(
        is_deleted=True,
        deleted_at=datetime(2025, 1, 1, tzinfo=UTC),
        deleted_by_id=admin.id,
        deletion_reason="spam account",
    )
    page = get(admin_client, "/db-admin/deleted_user/").text
    assert deleted.email in page
    assert "spam account" in page
    assert admin.email in page  # deleted by
    assert "2025-01-01T00:00:00Z" in page
    assert f"/db-admin/deleted_user/restore/?id={deleted.id.replace('|', '%7C')}" in page
    details = get(admin_client, "/db-admin/user/details/", query_string={"id": deleted.id})
    assert details.status_code == 302  # "Record does not exist": back to the list


def test_memberships_include_deleted_rows_with_user_labels_and_statuses(
    admin_client, make_user, make_platform_membership
):
    live = make_platform_membership(approval_status=ApprovalStatusEnum.PENDING)
    gone_user = make_user(is_deleted=True)
    gone = make_platform_membership(user=gone_user, is_deleted=True)
    page = get(admin_client, "/db-admin/platform_membership/").text
    assert live.user.email in page
    assert "pending" in page
    assert f"❌ {gone_user.email} (deleted)" in page
    assert "approved" in page
    details = get(
        admin_client, "/db-admin/platform_membership/details/", query_string={"id": str(gone.id)}
    )
    assert details.status_code == 200
    assert "Galaxy Australia" in details.text


def test_membership_status_filter(admin_client, make_platform_membership):
    pending = make_platform_membership(approval_status=ApprovalStatusEnum.PENDING)
    revoked = make_platform_membership(approval_status=ApprovalStatusEnum.REVOKED)
    page = get(admin_client, "/db-admin/platform_membership/").text
    argument = filter_argument(page, "Status", "equals")
    filtered = get(
        admin_client, "/db-admin/platform_membership/", query_string={argument: "REVOKED"}
    ).text
    assert revoked.user.email in filtered
    assert pending.user.email not in filtered


def test_membership_search_by_user_email(admin_client, make_group_membership):
    wanted, other = make_group_membership(), make_group_membership()
    page = get(
        admin_client, "/db-admin/group_membership/", query_string={"search": wanted.user.email}
    ).text
    assert wanted.user.email in page
    assert other.user.email not in page


def test_history_shows_user_labels_and_revocation_reasons_only_for_revocations(
    admin_client, make_user
):
    user, admin = make_user(), make_user()
    for status, reason in (
        (ApprovalStatusEnum.REVOKED, "left"),
        (ApprovalStatusEnum.APPROVED, "x"),
    ):
        db.session.add(
            PlatformMembershipHistory(
                platform_id=PlatformEnum.SBP,
                user_id=user.id,
                approval_status=status,
                updated_by_id=admin.id,
                reason=f"{reason}-reason",
            )
        )
    db.session.flush()
    page = get(admin_client, "/db-admin/platform_membership_history/").text
    assert user.email in page
    assert admin.email in page
    assert "left-reason" in page
    assert "x-reason" not in page


def test_history_names_the_platform_and_says_automatic_for_changes_nobody_made(
    admin_client, make_user
):
    user = make_user()
    db.session.add(
        PlatformMembershipHistory(
            platform_id=PlatformEnum.SBP,
            user_id=user.id,
            approval_status=ApprovalStatusEnum.APPROVED,
            updated_by_id=None,  # the sync
        )
    )
    db.session.flush()
    page = get(admin_client, "/db-admin/platform_membership_history/").text
    row = next(row for row in page.split("<tr") if user.email in row)
    assert "Structural Biology Platform" in row
    assert "(automatic)" in row


def test_user_history_filter_by_user_email(admin_client, make_user):
    wanted, other = make_user(), make_user()
    for user in (wanted, other):
        db.session.add(
            BiocommonsUserHistory(user_id=user.id, email=user.email, change="email_update")
        )
    db.session.flush()
    page = get(admin_client, "/db-admin/user_history/").text
    argument = filter_argument(page, "User email", "contains")
    filtered = get(
        admin_client, "/db-admin/user_history/", query_string={argument: wanted.email}
    ).text
    assert wanted.email in filtered
    assert other.email not in filtered


def test_platform_and_group_details_by_key(admin_client, make_group):
    group = make_group(group_id="biocommons/group/test-slash")
    platform = get(admin_client, "/db-admin/platform/details/", query_string={"id": "GALAXY"})
    assert platform.status_code == 200
    assert "Galaxy Australia" in platform.text
    details = get(admin_client, "/db-admin/group/details/", query_string={"id": group.group_id})
    assert details.status_code == 200
    assert group.name in details.text


@pytest.mark.parametrize(
    ("view", "key"),
    [("platform", "NOPE"), ("platform_membership", "not-a-uuid"), ("user", ""), ("role", "x,y")],
)
def test_malformed_or_unknown_keys_are_not_found(admin_client, view, key):
    answer = get(admin_client, f"/db-admin/{view}/details/", query_string={"id": key})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/db-admin/{view}/")


def test_email_outbox_details_show_bodies_escaped(admin_client):
    email = EmailNotification(
        to_address="someone@example.org",
        from_address="no-reply@aai.test",
        subject="Welcome",
        body_html="<script>alert(1)</script><p>Hi</p>",
        body_text="Hi",
    )
    db.session.add(email)
    db.session.flush()
    page = get(admin_client, "/db-admin/email_notification/").text
    assert "someone@example.org" in page
    assert "pending" in page
    details = get(
        admin_client, "/db-admin/email_notification/details/", query_string={"id": str(email.id)}
    ).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in details
    assert "<script>alert(1)" not in details


def test_unknown_uuid_is_not_found(admin_client):
    answer = get(
        admin_client,
        "/db-admin/email_notification/details/",
        query_string={"id": str(uuid.uuid4())},
    )
    assert answer.status_code == 302


def test_post_to_a_page_without_login_is_a_401(client):
    assert post(client, "/db-admin/deleted_user/restore/?id=x").status_code == 401


def filter_argument(page: str, name: str, operation: str) -> str:
    """The query argument of a filter, as Flask-Admin names it (`flt<n>_<index>`)."""
    filters = re.search(r'id="filter-groups-data"[^>]*>(.*?)</', page, re.S)
    assert filters, "the page has no filters"
    groups = json.loads(html.unescape(filters.group(1)))
    for entry in groups[name]:
        if entry["operation"] == operation:
            return f"flt0_{entry['arg']}"
    raise AssertionError(f"no {operation!r} filter on {name!r}: {groups[name]}")
