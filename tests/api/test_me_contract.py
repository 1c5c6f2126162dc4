"""Responses against the portal's declared TypeScript shapes (10-portal-contract §3), field by
field, and against the OpenAPI document aai publishes (D10)."""

import pytest
from openapi_schema_validator import OAS30Validator, validate

from aai.identity.auth0 import auth0_client
from aai.models import ApprovalStatusEnum, PlatformEnum
from tests.world import RECAPTCHA_PASS, SBP_BUNDLE, TSI

PLATFORM_IDS = {"galaxy", "bpa_data_portal", "sbp"}
STATUSES = {"approved", "revoked", "pending", "rejected"}


def string(value) -> bool:
    return isinstance(value, str)


def boolean(value) -> bool:
    return isinstance(value, bool)


def one_of(*allowed):
    return lambda value: value in allowed


def nullable(check):
    return lambda value: value is None or check(value)


def optional(check):
    """A TypeScript `field?: T`: absent, or present with a T."""

    def checked(value) -> bool:
        return check(value)

    checked.optional = True
    return checked


def list_of(shape):
    return lambda value: isinstance(value, list) and all(conforms(item, shape) for item in value)


def conforms(value, shape) -> bool:
    """`value` is an object with exactly the shape's fields (optional ones may be absent)."""
    if not isinstance(value, dict):
        return False
    required = {name for name, check in shape.items() if not getattr(check, "optional", False)}
    if not required <= value.keys() <= shape.keys():
        return False
    return all(shape[name](item) for name, item in value.items())


# The portal's interfaces (api.service.ts / auth.service.ts), as 10-portal-contract §2–3 give them.
USER_PROFILE_DATA = {
    "user_id": string,
    "name": string,
    "given_name": optional(string),
    "family_name": optional(string),
    "email": string,
    "email_verified": boolean,
    "username": string,
    "picture": string,
    "created_at": string,
    "last_login": nullable(string),
    "updated_at": string,
    "show_welcome_message": nullable(boolean),
    "platform_memberships": list_of(
        {
            "platform_id": one_of(*PLATFORM_IDS),
            "platform_name": string,
            "approval_status": one_of("approved", "pending", "rejected"),
        }
    ),
    "group_memberships": list_of(
        {
            "group_id": string,
            "group_name": string,
            "group_short_name": string,
            "approval_status": one_of("approved", "pending", "rejected"),
        }
    ),
}
USER_GROUP_STATUS = {"group_id": string, "approval_status": one_of(*STATUSES), "group_name": string}
ADMIN_PLATFORM_RESPONSE = {"id": one_of(*PLATFORM_IDS), "name": string}
ADMIN_GROUP_RESPONSE = {"id": string, "name": string, "short_name": string}
GROUP_ACCESS_REQUEST_RESPONSE = {
    "results": list_of({"group_id": string, "status": string, "message": string})
}
MESSAGE = {"message": string}
INSTITUTION = {"is_australian_research_institution": boolean}


def test_the_shape_check_itself_rejects_mismatches():
    assert conforms({"message": "x"}, MESSAGE)
    assert not conforms({"message": 1}, MESSAGE)
    assert not conforms({"message": "x", "extra": 1}, MESSAGE)
    assert not conforms({}, MESSAGE)
    assert conforms({"id": "t", "name": "n", "short_name": "s"}, ADMIN_GROUP_RESPONSE)
    profile_without_optional = {
        name: None for name, check in USER_PROFILE_DATA.items() if not hasattr(check, "optional")
    }
    assert not conforms(profile_without_optional, USER_PROFILE_DATA)  # nulls are not strings


@pytest.fixture
def portal_user(make_account, bundles, make_platform_membership, make_group_membership):
    account = make_account(email="ada@unsw.edu.au")
    make_platform_membership(user=account.user, platform_id=PlatformEnum.GALAXY)
    make_platform_membership(
        user=account.user,
        platform_id=PlatformEnum.SBP,
        approval_status=ApprovalStatusEnum.REJECTED,
    )
    make_group_membership(user=account.user, group=bundles["tsi"])
    return account


@pytest.fixture
def openapi(client):
    return client.get("/openapi.json").json


def documented(openapi: dict, path: str, method: str, status: int) -> dict:
    """The JSON schema aai documents for this response, with references resolved."""
    content = openapi["paths"][path][method]["responses"][str(status)]["content"]
    return resolved(content["application/json"]["schema"], openapi)


def resolved(node, openapi):
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            return resolved(openapi["components"]["schemas"][name], openapi)
        return {key: resolved(value, openapi) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(item, openapi) for item in node]
    return node


def check(openapi, response, path, method="get", status=200, shape=None):
    """The response has the status, matches its OpenAPI schema, and the portal's shape."""
    assert response.status_code == status, response.json
    validate(response.json, documented(openapi, path, method, status), cls=OAS30Validator)
    if shape is not None:
        assert conforms(response.json, shape), response.json


def test_profile_is_user_profile_data(client, portal_user, openapi):
    response = client.get("/me/profile", headers=portal_user.headers)
    check(openapi, response, "/me/profile", shape=USER_PROFILE_DATA)
    assert {m["platform_id"] for m in response.json["platform_memberships"]} == {"galaxy", "sbp"}


def test_profile_without_split_names_leaves_them_out(client, make_account, openapi):
    account = make_account(given_name=None, family_name=None, name="Plain Name")
    response = client.get("/me/profile", headers=account.headers)
    check(openapi, response, "/me/profile", shape=USER_PROFILE_DATA)
    assert "given_name" not in response.json


def test_groups_are_user_group_status(client, portal_user, openapi):
    response = client.get("/me/groups", headers=portal_user.headers)
    check(openapi, response, "/me/groups")
    assert response.json
    assert all(conforms(item, USER_GROUP_STATUS) for item in response.json)


def test_admin_role_lists(client, make_account, bundles, make_token, openapi):
    account = make_account()
    token = make_token(account.user.id, roles=["biocommons/role/tsi/admin"])
    headers = {"Authorization": f"Bearer {token}"}
    platforms = client.get("/me/platforms/admin-roles", headers=headers)
    check(openapi, platforms, "/me/platforms/admin-roles")
    assert all(conforms(item, ADMIN_PLATFORM_RESPONSE) for item in platforms.json)
    groups = client.get("/me/groups/admin-roles", headers=headers)
    check(openapi, groups, "/me/groups/admin-roles")
    assert groups.json == [
        {"id": TSI, "name": "Threatened Species Initiative", "short_name": "TSI"}
    ]
    assert all(conforms(item, ADMIN_GROUP_RESPONSE) for item in groups.json)
    general = client.get("/me/is-general-admin", headers=headers)
    assert general.json is True


def test_bundle_request_is_group_access_request_response(client, make_account, bundles, openapi):
    account = make_account(email="ada@uq.edu.au")
    body = {
        "groups": [
            {"group_id": TSI, "request_reason": "quolls"},
            {"group_id": SBP_BUNDLE, "request_reason": ""},
        ]
    }
    response = client.post("/me/groups/request", json=body, headers=account.headers)
    check(openapi, response, "/me/groups/request", "post", shape=GROUP_ACCESS_REQUEST_RESPONSE)


def test_portal_registration_body_gets_a_truthy_json_answer(client, bundles, openapi):
    # Exactly what RegisterComponent sends: names untrimmed, email punycoded, reason omitted
    # when empty.
    body = {
        "first_name": " Ada ",
        "last_name": "Lovelace",
        "email": "ada@xn--mnchen-3ya.de",
        "username": "ada_l",
        "password": "Str0ng-Passw0rd!",
        "recaptcha_token": RECAPTCHA_PASS,
        "bundles": [{"bundle_id": "tsi", "reason": "quolls"}],
    }
    response = client.post("/biocommons/register", json=body)
    check(openapi, response, "/biocommons/register", "post")
    assert response.json
    assert response.json["user"]["given_name"] == "Ada"


def test_small_answers(client, make_account, openapi):
    account = make_account()
    response = client.post(
        "/me/profile/email/update", json={"email": "n@example.org"}, headers=account.headers
    )
    check(openapi, response, "/me/profile/email/update", "post", shape=MESSAGE)
    response = client.get(
        "/utils/register/check-australian-research-institution",
        query_string={"email": "a@anu.edu.au"},
    )
    check(
        openapi,
        response,
        "/utils/register/check-australian-research-institution",
        shape=INSTITUTION,
    )
    response = client.post("/utils/send-welcome-email", json={"email": "n@example.org"})
    check(openapi, response, "/utils/send-welcome-email", "post", shape=MESSAGE)


def test_auth0_user_answers_match_their_schema(client, make_account, openapi):
    account = make_account()
    response = client.post(
        "/me/profile/username/update", json={"username": "fresh_name"}, headers=account.headers
    )
    check(openapi, response, "/me/profile/username/update", "post")
    response = client.post(
        "/me/profile/name/update",
        json={"first_name": "A", "last_name": "B"},
        headers=account.headers,
    )
    check(openapi, response, "/me/profile/name/update", "post")
    assert auth0_client().get_user(account.user.id)["name"] == "A B"


@pytest.mark.parametrize(
    "path",
    [
        "/me/platforms",
        "/me/platforms/approved",
        "/me/platforms/pending",
        "/me/groups/approved",
        "/me/groups/pending",
        "/me/all/pending",
    ],
)
def test_membership_lists_match_their_schema(client, portal_user, openapi, path):
    check(openapi, client.get(path, headers=portal_user.headers), path)


def test_every_user_endpoint_is_documented(openapi):
    expected = {
        ("/me/profile", "get"),
        ("/me/platforms", "get"),
        ("/me/platforms/approved", "get"),
        ("/me/platforms/pending", "get"),
        ("/me/platforms/admin-roles", "get"),
        ("/me/groups", "get"),
        ("/me/groups/approved", "get"),
        ("/me/groups/pending", "get"),
        ("/me/groups/admin-roles", "get"),
        ("/me/groups/request", "post"),
        ("/me/is-general-admin", "get"),
        ("/me/all/pending", "get"),
        ("/me/profile/username/update", "post"),
        ("/me/profile/name/update", "post"),
        ("/me/profile/email/update", "post"),
        ("/me/profile/email/continue", "post"),
        ("/me/profile/password/update", "post"),
        ("/me/profile/delete", "post"),
        ("/me/migration/update-password", "post"),
        ("/me/email-verification/resend", "post"),
        ("/me/migration/password-changed", "get"),
        ("/biocommons/register", "post"),
        ("/sbp/register", "post"),
        ("/utils/register/check-username-availability", "get"),
        ("/utils/register/check-email-availability", "get"),
        ("/utils/register/registration-info", "get"),
        ("/utils/register/check-australian-research-institution", "get"),
        ("/utils/send-welcome-email", "post"),
    }
    documented_pairs = {
        (path, method) for path, item in openapi["paths"].items() for method in item
    }
    assert expected <= documented_pairs
    for path, method in expected:
        operation = openapi["paths"][path][method]
        assert operation.get("summary") or operation.get("description"), path
