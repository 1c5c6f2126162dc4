"""Issue 14 §8: logout ends the session on the server (a copied cookie stops working), bad list
input gets a 400 page rather than a 500, and one-time email-change codes are never shown."""

import re

import pytest

from aai.email.outbox import queue_email
from aai.extensions import db
from aai.models import BiocommonsUser, EmailNotification
from tests.dashboard.conftest import (
    BIOCOMMONS_ADMIN,
    get,
    login_callback_url,
    path_of,
    post,
    sign_in,
)

COOKIE = "aai_db_admin_session"
CODE = "947261"


def copy_of_cookie(app, client):
    """Another browser holding the same cookie (e.g. one copied before the logout)."""
    cookie = client.get_cookie(COOKIE, domain="127.0.0.1", path="/db-admin")
    other = app.test_client()
    other.set_cookie(COOKIE, cookie.value, domain="127.0.0.1", path="/db-admin")
    return other


def test_a_cookie_stops_working_right_after_logout(app, client, emulator, dashboard_admin):
    callback = login_callback_url(client, emulator, *BIOCOMMONS_ADMIN)
    assert get(client, path_of(callback)).status_code == 302
    copy = copy_of_cookie(app, client)
    assert get(copy, "/db-admin/user/").status_code == 200

    assert get(client, "/db-admin/logout").status_code == 302

    answer = get(copy, "/db-admin/user/")
    assert answer.status_code == 302
    assert path_of(answer.headers["Location"]).startswith("/db-admin/login")


def test_logging_out_ends_only_that_session(app, client, emulator, dashboard_admin):
    sign_in(client)
    elsewhere = app.test_client()
    sign_in(elsewhere)
    assert get(client, "/db-admin/logout").status_code == 302
    assert get(elsewhere, "/db-admin/user/").status_code == 200


@pytest.mark.parametrize(
    "page",
    [
        "/db-admin/user/?search=ada%00",
        "/db-admin/user/?search=%1b%5B2J",
        "/db-admin/user_history/?flt0_0=ada%00",
        "/db-admin/platform_membership/?flt0_0=%00",
        "/db-admin/email_notification/?search=%7f",
        "/db-admin/user/details/?id=auth0%7C%00",
        "/db-admin/user/?page=-1",
        "/db-admin/user/?page=-1000000000",
        "/db-admin/deleted_user/?page=99999999999",
        "/db-admin/login?next=/db-admin/%00",
    ],
)
def test_bad_search_filter_or_page_gets_a_400_page(admin_client, page):
    answer = get(admin_client, page)
    assert answer.status_code == 400
    assert answer.mimetype == "text/html"
    assert 'id="bad-request"' in answer.text


def test_a_good_page_number_still_works(admin_client):
    assert get(admin_client, "/db-admin/user/?page=3").status_code == 200


def code_email() -> EmailNotification:
    email = queue_email(
        "new.address@example.org",
        "email_change_code",
        target_email="new.address@example.org",
        code=CODE,
    )
    db.session.commit()
    return email


def test_outbox_pages_never_show_a_one_time_code(admin_client):
    email = code_email()
    welcome = queue_email("ada@example.org", "welcome", first_name="Ada")
    db.session.commit()
    assert CODE in email.body_text  # it is in the row until the email has left

    listing = get(admin_client, "/db-admin/email_notification/")
    details = get(admin_client, f"/db-admin/email_notification/details/?id={email.id}")
    assert listing.status_code == details.status_code == 200
    assert CODE not in listing.text
    assert CODE not in details.text
    assert "holds a one-time code" in details.text
    # Other emails are shown as sent.
    welcome_details = get(admin_client, f"/db-admin/email_notification/details/?id={welcome.id}")
    assert "Welcome" in welcome_details.text


def test_a_restore_reason_with_a_nul_gets_a_400_page_and_restores_nobody(
    admin_client, make_user, emulator
):
    user = make_user(email="gone@example.org", username="gone_user", is_deleted=True)
    db.session.commit()
    page = get(admin_client, "/db-admin/deleted_user/restore/", query_string={"id": user.id})
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    calls_before = len(emulator.requests())

    answer = post(
        admin_client,
        "/db-admin/deleted_user/restore/",
        query_string={"id": user.id},
        data={"csrf_token": csrf, "reason": "back\x00again"},
    )

    assert answer.status_code == 400
    assert 'id="bad-request"' in answer.text
    db.session.expire_all()
    assert db.session.get(BiocommonsUser, user.id).is_deleted
    assert emulator.requests()[calls_before:] == []
