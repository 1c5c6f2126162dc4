"""Hostile input on every POST endpoint of the user-facing API: malformed JSON, wrong types and
1 MB strings answer 4xx with a D2 body (string `detail`), never a 500. (Unknown fields are
ignored, not refused: tests/api/test_unknown_fields.py.)"""

import json

import pytest

from tests.world import RECAPTCHA_PASS

# Each POST endpoint with a body of the right shape.
ENDPOINTS = {
    "/me/groups/request": {"groups": [{"group_id": "biocommons/group/tsi", "request_reason": "r"}]},
    "/me/profile/username/update": {"username": "new_name"},
    "/me/profile/name/update": {"first_name": "Ada", "last_name": "Lovelace"},
    "/me/profile/email/update": {"email": "new@example.org"},
    "/me/profile/email/continue": {"otp": "123456"},
    "/me/profile/password/update": {
        "current_password": "Str0ng-Passw0rd!",
        "new_password": "An0ther-Passw0rd!",
    },
    "/me/profile/delete": {},
    "/me/migration/update-password": {"session_token": "t", "client_id": "c"},
    "/me/email-verification/resend": {"session_token": "t", "recaptcha_token": RECAPTCHA_PASS},
    "/biocommons/register": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "username": "ada_l",
        "password": "Str0ng-Passw0rd!",
        "recaptcha_token": RECAPTCHA_PASS,
        "bundles": [{"bundle_id": "tsi", "reason": "r"}],
    },
    "/sbp/register": {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@unsw.edu.au",
        "username": "ada_l",
        "password": "Str0ng-Passw0rd!",
        "request_reason": "r",
    },
    "/utils/send-welcome-email": {"email": "ada@example.org"},
}
MEGABYTE = "x" * 1_000_000
WRONG_VALUES = (12345, None, ["a"], {"a": 1}, True)


def cases():
    """(endpoint, raw body) pairs: the hostile variants of each endpoint's body."""
    for path, body in ENDPOINTS.items():
        yield pytest.param(path, b"{not json", id=f"{path}-malformed")
        yield pytest.param(path, b'["a list"]', id=f"{path}-array")
        yield pytest.param(path, b'"a string"', id=f"{path}-string")
        for field in body:
            yield pytest.param(
                path, json.dumps({**body, field: MEGABYTE}), id=f"{path}-{field}-1MB"
            )
            for number, value in enumerate(WRONG_VALUES):
                wrong = json.dumps({**body, field: value})
                yield pytest.param(path, wrong, id=f"{path}-{field}-wrong{number}")
    nested = ENDPOINTS["/me/groups/request"]["groups"][0]
    for field in nested:
        for value in (MEGABYTE, 7, ["x"]):
            body = json.dumps({"groups": [{**nested, field: value}]})
            yield pytest.param("/me/groups/request", body, id=f"groups-{field}-{type(value)}")


@pytest.mark.parametrize(("path", "raw"), list(cases()))
def test_hostile_body_is_a_4xx_with_a_string_detail(client, make_account, bundles, path, raw):
    account = make_account()
    response = client.post(
        path, data=raw, headers={**account.headers, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.json
    assert response.status_code not in (401, 403)  # the body itself was judged
    assert isinstance(response.json["detail"], str)
    assert response.json["detail"]
    if "field_errors" in response.json:
        assert all(isinstance(item["message"], str) for item in response.json["field_errors"])


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_malformed_json_is_400(client, make_account, path):
    account = make_account()
    response = client.post(
        path, data=b"{", headers={**account.headers, "Content-Type": "application/json"}
    )
    assert (response.status_code, response.json) == (400, {"detail": "Malformed JSON body."})


@pytest.mark.parametrize("path", [path for path in ENDPOINTS if path != "/me/profile/delete"])
def test_unknown_fields_are_ignored_on_every_body(client, make_account, bundles, path):
    account = make_account()
    body = {**ENDPOINTS[path], "field_of_a_newer_portal": 1}
    response = client.post(path, json=body, headers=account.headers)
    assert response.status_code < 500
    assert "field_of_a_newer_portal" not in response.get_data(as_text=True)
