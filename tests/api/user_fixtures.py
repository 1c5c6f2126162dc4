"""Fixtures for the user-facing API tests (/me, registration, /utils).

Accounts exist in both places, as in production: `make_account` creates the Auth0 user in the
emulator (through aai's own client) and the matching database row. `bundles` sets up the
reference data registration and group requests need: the shared test world (tests/world.py).
"""

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.limits import limiter
from aai.models import BiocommonsUser, BiocommonsUserHistory, EmailNotification
from tests.world import SBP_BUNDLE, TSI, seed_reference_data

PASSWORD = "Str0ng-Passw0rd!"
TSI_ADMIN_EMAIL = "tsi.admin@example.org"  # holds biocommons/role/tsi/admin in the seed

numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Every test starts with untouched abuse limits (memory storage is process-wide)."""
    if "app" in request.fixturenames:
        limiter.reset()


@dataclass
class Account:
    user: BiocommonsUser
    password: str
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_account(app, emulator, make_token):
    """`make_account(**auth0_fields) -> Account`: an Auth0 user and its database row."""

    def make(**fields) -> Account:
        number = next(numbers)
        values = {
            "email": f"member{number}@example.org",
            "username": f"member{number}",
            "password": PASSWORD,
            "connection": "Username-Password-Authentication",
            "email_verified": True,
            "given_name": "Ada",
            "family_name": f"Member{number}",
            "name": f"Ada Member{number}",
        }
        values.update(fields)
        record = auth0_client().create_user(values)
        user = BiocommonsUser(
            id=record["user_id"],
            email=record["email"],
            username=record["username"],
            email_verified=record["email_verified"],
        )
        db.session.add(user)
        db.session.flush()
        return Account(user, values["password"], make_token(user.id))

    return make


@pytest.fixture
def bundles(app, emulator):
    """The shared test world's reference data (tests/world.py): roles, platforms, the TSI and
    SBP bundle groups and their admin links, as the sync would have stored them."""
    groups = seed_reference_data()
    return {"tsi": groups[TSI], "sbp": groups[SBP_BUNDLE]}


@pytest.fixture
def outbox(app):
    """`outbox(to=None) -> [EmailNotification]`, oldest first."""

    def rows(to: str | None = None) -> list[EmailNotification]:
        query = select(EmailNotification).order_by(EmailNotification.created_at)
        if to is not None:
            query = query.where(EmailNotification.to_address == to)
        return list(db.session.scalars(query))

    return rows


@pytest.fixture
def user_history(app):
    """`user_history(user_id) -> [BiocommonsUserHistory]`, oldest first."""

    def rows(user_id: str) -> list[BiocommonsUserHistory]:
        query = (
            select(BiocommonsUserHistory)
            .where(BiocommonsUserHistory.user_id == user_id)
            .order_by(BiocommonsUserHistory.updated_at)
        )
        return list(db.session.scalars(query))

    return rows


def auth0_user(user_id: str) -> dict:
    """The user as Auth0 (the emulator) holds it now."""
    return auth0_client().get_user(user_id)


def error_body(detail: str, field_errors: list | None = None) -> dict:
    """The D2 body of a validation-style error."""
    return {"detail": detail, "message": detail, "field_errors": field_errors or []}
