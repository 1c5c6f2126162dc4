"""Hostile input over every operation of /openapi.json: control characters in each path and
query parameter and in each field of each JSON body, and JSON nested too deep, are refused with
a 4xx JSON answer before anything happens: the database and the Auth0 emulator are left exactly
as they were. A BioCommons admin's token is sent everywhere, so that no authorization check can
hide the input check.

The operations, their parameters and body schemas are read from the app's own document, so a new
operation is covered the day it is added.
"""

import itertools
from urllib.parse import quote

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.models import PlatformMembership
from tests.world import TSI, database_snapshot

# NUL, C0 controls, DEL and C1 controls; each field gets NUL and one of the others.
OTHER_CONTROLS = ("\x01", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\n", "\t")
# Valid-looking values, so that a field's check is not hidden by another field's error.
SAMPLES = {
    "email": "hostile.check@example.org",
    "correct_email": "hostile.check@example.org",
    "user_email": "hostile.check@example.org",
    "username": "hostile_check",
    "group_id": TSI,
    "platform_id": "galaxy",
    "name": "Hostile check",
    "short_name": "HC",
    "admin_roles": "biocommons/role/galaxy/admin",
    "password": "Hostile-Check-Passw0rd!",
    "new_password": "Hostile-Check-Passw0rd!",
}
FREE_TEXT = {"reason", "request_reason"}
JSON_DEPTH_LIMIT = 32


@pytest.fixture
def spec(client) -> dict:
    return client.get("/openapi.json").get_json()


@pytest.fixture
def target(admin_world, member):
    """A user with approved access everywhere a path can point, as the admin routes expect."""
    return member(platforms={"galaxy": "approved"}, groups={TSI: "approved"})


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
                yield method, path, {**operation, "parameters": parameters}


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def sample(spec: dict, name: str, schema: dict):
    """A plausible value for a field: every object property filled, one item per array."""
    schema = resolve(spec, schema)
    if schema.get("type") == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {key: sample(spec, key, value) for key, value in properties.items()}
    if schema.get("type") == "array":
        return [sample(spec, name, schema["items"])]
    if schema.get("enum"):
        return next(value for value in schema["enum"] if value is not None)
    return SAMPLES.get(name, "hostile-check") if schema.get("type") == "string" else 1


def string_leaves(value, path=()):
    """The paths of the strings in a sample body."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from string_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_leaves(item, (*path, index))
    elif isinstance(value, str):
        yield path


def replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def field_name(path) -> str:
    return next((part for part in reversed(path) if isinstance(part, str)), "")


def hostile_characters(field: str, others):
    """NUL and the next other control character; line breaks and tabs are allowed in
    free-text fields, so those get another one."""
    other = next(others)
    while field in FREE_TEXT and other in "\n\t":
        other = next(others)
    return ("\x00", other)


class Caller:
    def __init__(self, client, spec, headers, target):
        self.client, self.spec, self.headers = client, spec, headers
        self.path_values = {"user_id": target.id, "platform_id": "galaxy", "group_id": TSI}
        self.refused = []
        self.answered = []

    def url(self, path: str, operation: dict, overrides: dict | None = None) -> str:
        values = {**self.path_values, **(overrides or {})}
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                value = quote(values[parameter["name"]], safe="/")
                path = path.replace(f"{{{parameter['name']}}}", value)
        return path

    def send(self, method: str, url: str, what: str, **kwargs) -> None:
        response = self.client.open(url, method=method.upper(), headers=self.headers, **kwargs)
        body = response.get_json(silent=True)
        outcome = (what, response.status_code, body)
        # Any 4xx JSON answer but 401/403 (the admin's token must not hide the input check);
        # a 404 is a path that routes nowhere, so nothing ran.
        is_refusal = 400 <= response.status_code < 500 and response.status_code not in (401, 403)
        is_refusal = is_refusal and isinstance((body or {}).get("detail"), str)
        (self.refused if is_refusal else self.answered).append(outcome)


@pytest.fixture
def caller(client, spec, admin_headers, target):
    return Caller(client, spec, admin_headers("biocommons"), target)


@pytest.fixture
def unchanged(app, emulator, target):
    """Asserts, after the test, that no table changed and that aai called Auth0 for nothing."""
    before, calls_before = database_snapshot(), len(emulator.requests())
    yield
    assert database_snapshot() == before
    assert emulator.requests()[calls_before:] == []


def test_control_characters_in_path_parameters_are_refused(caller, spec, unchanged):
    others = itertools.cycle(OTHER_CONTROLS)
    for method, path, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            name = parameter["name"]
            for character in hostile_characters(name, others):
                value = caller.path_values[name] + character
                url = caller.url(path, operation, {name: value})
                caller.send(method, url, f"{method} {path} {name}={value!r}")
    assert caller.refused
    assert caller.answered == []


def test_control_characters_in_query_parameters_are_refused(caller, spec, unchanged):
    others = itertools.cycle(OTHER_CONTROLS)
    for method, path, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            name, valid = parameter["name"], sample(spec, parameter["name"], parameter["schema"])
            for character in hostile_characters(name, others):
                value = f"{valid}{character}"
                url = caller.url(path, operation)
                caller.send(
                    method, url, f"{method} {path} ?{name}={value!r}", query_string={name: value}
                )
    assert caller.refused
    assert caller.answered == []


def test_control_characters_in_json_bodies_are_refused(caller, spec, unchanged):
    others = itertools.cycle(OTHER_CONTROLS)
    for method, path, operation in operations(spec):
        if "requestBody" not in operation:
            continue
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body, url = sample(spec, "", schema), caller.url(path, operation)
        for leaf in string_leaves(body):
            valid = _value_at(body, leaf)
            for character in hostile_characters(field_name(leaf), others):
                hostile = replaced(body, leaf, f"{valid[:3]}{character}{valid[3:]}")
                caller.send(method, url, f"{method} {path} {leaf} {character!r}", json=hostile)
        caller.send(method, url, f"{method} {path} key with NUL", json={**body, "a\x00": "b"})
    assert caller.refused
    assert caller.answered == []


def test_free_text_reasons_keep_their_line_breaks(client, admin_headers, member):
    """The one place where line breaks and tabs are allowed: a reason typed in a text area."""
    user = member(platforms={"galaxy": "approved"})
    reason = "Left the lab.\r\nSee ticket\t42."
    response = client.post(
        f"/admin/users/{user.id}/platforms/galaxy/revoke",
        headers=admin_headers("galaxy"),
        json={"reason": reason},
    )
    assert response.status_code == 200
    membership = db.session.scalars(
        select(PlatformMembership).where(PlatformMembership.user_id == user.id)
    ).one()
    db.session.refresh(membership)
    assert membership.revocation_reason == reason


def test_json_nested_too_deep_is_refused_everywhere(caller, spec, unchanged):
    """Beyond the limit, and far beyond what Python's own decoder can take (RecursionError)."""
    just_too_deep = {"reason": _nested(JSON_DEPTH_LIMIT)}
    far_too_deep = "[" * 100_000 + "]" * 100_000
    for method, path, operation in operations(spec):
        if "requestBody" not in operation:
            continue
        url = caller.url(path, operation)
        caller.send(
            method, url, f"{method} {path} depth {JSON_DEPTH_LIMIT + 1}", json=just_too_deep
        )
        caller.send(
            method,
            url,
            f"{method} {path} depth 100000",
            data=far_too_deep,
            content_type="application/json",
        )
    assert caller.refused
    assert caller.answered == []


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _value_at(value, path):
    for part in path:
        value = value[part]
    return value


def test_a_token_whose_subject_holds_a_nul_is_refused(app, client, admin_world, make_token):
    """Auth0 never issues such a subject; it must not reach the database (PostgreSQL refuses
    NUL in text) or a view."""
    for claims in ({"sub": "auth0|abc\x00def"}, {"email": "a\x00@example.org"}):
        token = make_token("biocommons.admin@example.org", claims=claims)
        response = client.get("/me/profile", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert response.get_json() == {"detail": "Not authorized"}


def test_a_token_with_a_control_character_in_a_role_is_refused(
    app, client, admin_world, make_token
):
    token = make_token(
        "biocommons.admin@example.org", roles=["biocommons/role/biocommons/admin\x1b"]
    )
    response = client.get("/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
