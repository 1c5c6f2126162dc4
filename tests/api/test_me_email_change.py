"""Self-service email change with a one-time code (20 §9.15–9.16, portal calls #9–10)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from aai.accounts.email_change import code_hash
from aai.extensions import db
from aai.models import BiocommonsUser, EmailChangeOtp, utc_now
from tests.api.test_me_profile import failing_commit
from tests.api.user_fixtures import auth0_user, error_body

NEW = "new.address@example.org"


def start(client, account, email=NEW):
    return client.post("/me/profile/email/update", json={"email": email}, headers=account.headers)


def finish(client, account, otp):
    return client.post("/me/profile/email/continue", json={"otp": otp}, headers=account.headers)


def codes_of(user_id: str) -> list[EmailChangeOtp]:
    db.session.expire_all()
    query = select(EmailChangeOtp).where(EmailChangeOtp.user_id == user_id)
    return list(db.session.scalars(query.order_by(EmailChangeOtp.created_at)))


def code_from(outbox, to=NEW) -> str:
    (email,) = [row for row in outbox(to) if "Confirm" in row.subject][-1:]
    return re.search(r"\b(\d{6})\b", email.body_text).group(1)


def test_start_stores_a_hashed_code_and_queues_it_to_the_new_address(client, make_account, outbox):
    account = make_account()
    response = start(client, account)
    assert (response.status_code, response.json) == (
        200,
        {"message": "OTP sent to the requested email address."},
    )
    (email,) = outbox(NEW)
    assert email.subject == "Confirm your new BioCommons Access email address"
    code = code_from(outbox)
    (row,) = codes_of(account.user.id)
    assert row.target_email == NEW
    assert row.otp_hash == code_hash(code) != code
    assert row.is_active
    assert row.total_attempts == 0
    assert timedelta(minutes=9) < row.expires_at - utc_now() <= timedelta(minutes=10)


def test_a_new_code_retires_the_previous_one(client, make_account):
    account = make_account()
    start(client, account)
    start(client, account, "other.address@example.org")
    first, second = codes_of(account.user.id)
    assert (first.is_active, second.is_active) == (False, True)


def test_start_normalises_the_domain(client, make_account):
    account = make_account()
    assert start(client, account, "New.Address@EXAMPLE.ORG").status_code == 200
    assert codes_of(account.user.id)[0].target_email == "New.Address@example.org"


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("no-at-sign", "An email address must have an @-sign."),
        ("user@exämple.org", "Email domain must be ASCII and already transcoded."),
        ("a" * 65 + "@example.org", "Email local part must be 64 characters or less."),
        ("user@example", "Please enter a valid email address."),
        ("", "Email is required."),
    ],
)
def test_start_validation(client, make_account, outbox, email, message):
    account = make_account()
    response = start(client, account, email)
    assert response.status_code == 400
    assert response.json == error_body(message, [{"field": "email", "message": message}])
    assert outbox() == []


def test_start_refuses_the_current_address(client, make_account):
    account = make_account()
    response = start(client, account, account.user.email.upper())
    message = "New email must be different from the current email"
    assert response.json == error_body(message, [{"field": "email", "message": message}])


@pytest.mark.parametrize("where", ["database", "deleted", "auth0"])
def test_start_refuses_an_address_in_use(client, make_account, make_user, outbox, where):
    account = make_account()
    if where == "auth0":
        make_account(email=NEW).user.email = "elsewhere@example.org"
    else:
        make_user(email=NEW.upper(), is_deleted=where == "deleted")
    db.session.flush()
    response = start(client, account)
    message = "Email is already in use by another user"
    assert response.status_code == 400
    assert response.json == error_body(message, [{"field": "email", "message": message}])
    assert codes_of(account.user.id) == []
    assert outbox() == []


def test_right_code_moves_the_account(client, make_account, outbox, user_history):
    account = make_account()
    old = account.user.email
    start(client, account)
    response = finish(client, account, f" {code_from(outbox)} ")
    assert response.status_code == 200
    assert response.json["email"] == NEW
    db.session.expire_all()
    user = db.session.get(BiocommonsUser, account.user.id)
    assert (user.email, user.email_verified) == (NEW, True)
    record = auth0_user(user.id)
    assert (record["email"], record["email_verified"]) == (NEW, True)
    (entry,) = user_history(user.id)
    assert (entry.change, entry.email, entry.updated_by_id) == ("email_update", old, user.id)
    (row,) = codes_of(user.id)
    assert not row.is_active
    (notice,) = outbox(old)
    assert notice.subject == "Your Biocommons Access email address was updated"
    # The code is used up.
    second = finish(client, account, code_from(outbox))
    assert (second.status_code, second.json) == (
        400,
        {"detail": "No pending email change request exists."},
    )


def test_wrong_codes_count_and_the_tenth_is_429(client, make_account, outbox):
    account = make_account()
    start(client, account)
    wrong = "000000" if code_from(outbox) != "000000" else "111111"
    for attempt in range(1, 10):
        response = finish(client, account, wrong)
        assert (response.status_code, response.json) == (400, {"detail": "Invalid OTP."})
        assert codes_of(account.user.id)[0].total_attempts == attempt
    response = finish(client, account, wrong)
    assert response.status_code == 429
    assert response.json == {"detail": "Too many verification attempts. Try again later."}
    assert not codes_of(account.user.id)[0].is_active
    # Even the right code is now refused.
    assert finish(client, account, code_from(outbox)).status_code == 400


def test_expired_code_is_no_pending_request(client, make_account, outbox):
    account = make_account()
    start(client, account)
    row = codes_of(account.user.id)[0]
    row.expires_at = utc_now() - timedelta(seconds=1)
    db.session.flush()
    response = finish(client, account, code_from(outbox))
    assert (response.status_code, response.json) == (
        400,
        {"detail": "No pending email change request exists."},
    )


def test_continue_without_a_request(client, make_account):
    response = finish(client, make_account(), "123456")
    assert (response.status_code, response.json) == (
        400,
        {"detail": "No pending email change request exists."},
    )


def test_address_taken_meanwhile_is_409_and_keeps_the_code(client, make_account, make_user, outbox):
    account = make_account()
    start(client, account)
    make_user(email=NEW)
    response = finish(client, account, code_from(outbox))
    assert (response.status_code, response.json) == (
        409,
        {"detail": "Email is already in use by another user."},
    )
    assert codes_of(account.user.id)[0].is_active


def test_auth0_failure_keeps_the_code_usable(client, make_account, outbox, emulator):
    account = make_account()
    start(client, account)
    emulator.add_fault("PATCH", "/api/v2/users/", status=503, count=3)
    code = code_from(outbox)
    assert finish(client, account, code).status_code == 503
    db.session.expire_all()
    assert db.session.get(BiocommonsUser, account.user.id).email != NEW
    assert finish(client, account, code).status_code == 200


def test_failed_commit_puts_the_old_address_back_in_auth0(
    client, make_account, outbox, monkeypatch
):
    account = make_account()
    old = account.user.email
    start(client, account)
    code = code_from(outbox)
    failing_commit(monkeypatch)
    with pytest.raises(RuntimeError):
        finish(client, account, code)
    record = auth0_user(account.user.id)
    assert (record["email"], record["email_verified"]) == (old, True)


def test_code_requests_are_rate_limited_per_user(client, make_account, app):
    account = make_account()
    app.config["RATELIMIT_EMAIL_CODE"] = "2/minute"
    try:
        assert [start(client, account).status_code for _ in range(3)] == [200, 200, 429]
        response = start(client, account)
        assert response.json == {"detail": "Too many requests. Please try again later."}
        assert "Retry-After" in response.headers
        # Another user is not affected.
        assert start(client, make_account()).status_code == 200
    finally:
        app.config["RATELIMIT_EMAIL_CODE"] = "5/10minute;20/day"
