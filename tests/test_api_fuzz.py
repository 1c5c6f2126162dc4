"""Schemathesis over /openapi.json: for every operation, with the tokens of each kind of caller,
generated requests never get a 5xx, and every response matches what the document says.

Each generated request is also sent once more with a control character (NUL first) added to
every string it carries (path, query and body), as the BioCommons admin, so that hostile text
meets every operation whatever the generator happened to draw; the answer must still be
documented and not a 5xx.
"""

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Every operation of the schema, three callers each: 100-120 s measured on the shared 2-core
# machine (issue 18); the suite's 30 s default per test is far too short.
pytestmark = pytest.mark.timeout(300)

CALLERS = ("galaxy", "biocommons", "plain")
CONTROL_CHARACTERS = itertools.cycle(("\x00", "\x01", "\x1b", "\x7f", "\x85", "\x00\n"))
# What the issue asks: no 5xx, nothing outside the document (statuses, types, bodies,
# headers), and no protected operation answering without a token. Semantic 4xx answers to
# schema-valid input (an unknown group, a taken username) are the API working, so the
# positive-data check is not run.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    ignored_auth,
]


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@pytest.fixture
def caller_headers(admin_world) -> list[dict]:
    """Bearer headers of a platform admin, a BioCommons admin and a plain user."""
    return [admin_world.headers(caller) for caller in CALLERS]


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,  # the same requests on every run: CI never meets a new example
    suppress_health_check=list(HealthCheck),
)
def test_operations_answer_as_documented(case, caller_headers):
    for headers in caller_headers:
        case.call_and_validate(headers=headers, checks=CHECKS)
    add_to_every_string(case, next(CONTROL_CHARACTERS))
    case.call_and_validate(headers=caller_headers[CALLERS.index("biocommons")], checks=CHECKS)


def add_to_every_string(case, character: str) -> None:
    """Append `character` to each string of the case's path, query and body, in place."""
    for name in ("path_parameters", "query", "body"):
        value = getattr(case, name, None)
        if value is not None:
            setattr(case, name, with_character(value, character))


def with_character(value, character: str):
    if isinstance(value, str):
        return value + character
    if isinstance(value, dict):
        return {key: with_character(item, character) for key, item in value.items()}
    if isinstance(value, list):
        return [with_character(item, character) for item in value]
    return value
