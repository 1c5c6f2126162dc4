"""Auth0 faults on the endpoints that change Auth0: never a 500, never a half-written change.

Each operation runs once per fault; afterwards the database and Auth0 (the emulator) must
agree: both changed when the answer is 2xx, neither when it is an error (D6).
"""

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.models import ApprovalStatusEnum, BiocommonsUser, GroupMembership, PlatformMembership
from aai.worker.sync_memberships import sync_memberships
from aai.worker.sync_users import sync_users
from tests.world import RECAPTCHA_PASS, TSI

FAULTS = {
    "rate limited once": {"status": 429, "retry_after": 1, "count": 1},
    "500": {"status": 500, "count": 100},
    "503": {"status": 503, "count": 100},
    "slow": {"delay": 1.0, "count": 100},
    "dropped": {"drop": True, "count": 100},
}


@dataclass
class Operation:
    """Prepares data, calls the endpoint, and reads (database state, Auth0 state) afterwards.

    `repair` is the sync step that brings the database back in line when Auth0 applied a
    change whose answer never arrived (a timeout: the outcome is unknown to aai).
    """

    fault_method: str
    fault_path: str
    repair: object

    def prepare(self, admin_world, member, make_account):
        raise NotImplementedError

    def call(self, client, context):
        raise NotImplementedError

    def state(self, context) -> tuple:
        raise NotImplementedError


class ApprovePlatform(Operation):
    def prepare(self, admin_world, member, make_account):
        user = member({"galaxy": "pending"})
        return {"user": user.id, "headers": admin_world.headers("galaxy")}

    def call(self, client, context):
        path = f"/admin/users/{context['user']}/platforms/galaxy/approve"
        return client.post(path, json={}, headers=context["headers"])

    def state(self, context):
        membership = db.session.scalars(
            select(PlatformMembership).filter_by(user_id=context["user"])
        ).one()
        roles = {role["name"] for role in auth0_client().get_user_roles(context["user"])}
        return (
            membership.approval_status is ApprovalStatusEnum.APPROVED,
            "biocommons/platform/galaxy" in roles,
        )


class RevokeGroup(Operation):
    def prepare(self, admin_world, member, make_account):
        user = member(groups={TSI: "approved"})
        return {"user": user.id, "headers": admin_world.headers("tsi")}

    def call(self, client, context):
        path = f"/admin/users/{context['user']}/groups/{TSI}/revoke"
        return client.post(path, json={"reason": "left"}, headers=context["headers"])

    def state(self, context):
        membership = db.session.scalars(
            select(GroupMembership).filter_by(user_id=context["user"])
        ).one()
        roles = {role["name"] for role in auth0_client().get_user_roles(context["user"])}
        # Access ended here: revoked, or (after a sync repair) the membership removed.
        ended = membership.is_deleted or membership.approval_status is ApprovalStatusEnum.REVOKED
        return (ended, TSI not in roles)


class DeleteUser(Operation):
    def prepare(self, admin_world, member, make_account):
        user = member({"galaxy": "approved"})
        return {"user": user.id, "headers": admin_world.headers("galaxy")}

    def call(self, client, context):
        path = f"/admin/users/{context['user']}/delete"
        return client.post(path, json={"reason": "asked to"}, headers=context["headers"])

    def state(self, context):
        user = db.session.get(BiocommonsUser, context["user"])
        return (user.is_deleted, bool(auth0_client().get_user(context["user"]).get("blocked")))


class ChangeOwnUsername(Operation):
    def prepare(self, admin_world, member, make_account):
        account = make_account()
        return {"user": account.user.id, "headers": account.headers}

    def call(self, client, context):
        body = {"username": "renamed_user"}
        return client.post("/me/profile/username/update", json=body, headers=context["headers"])

    def state(self, context):
        user = db.session.get(BiocommonsUser, context["user"])
        remote = auth0_client().get_user(context["user"])
        return (user.username == "renamed_user", remote.get("username") == "renamed_user")


class Register(Operation):
    def prepare(self, admin_world, member, make_account):
        return {}

    def call(self, client, context):
        body = {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada.fault@unsw.edu.au",
            "username": "ada_fault",
            "password": "Str0ng-Passw0rd!",
            "recaptcha_token": RECAPTCHA_PASS,
        }
        return client.post("/biocommons/register", json=body)

    def state(self, context):
        in_db = db.session.scalars(select(BiocommonsUser).filter_by(username="ada_fault")).first()
        remote = auth0_client().users_by_email("ada.fault@unsw.edu.au")
        usable = [user for user in remote if not user.get("blocked")]
        return (in_db is not None, bool(usable))


OPERATIONS = {
    "approve platform": ApprovePlatform("POST", "/api/v2/users/", sync_memberships),
    "revoke group": RevokeGroup("DELETE", "/api/v2/users/", sync_memberships),
    "delete user": DeleteUser("PATCH", "/api/v2/users/", sync_users),
    "change own username": ChangeOwnUsername("PATCH", "/api/v2/users/", sync_users),
    "register": Register("POST", "/api/v2/users", sync_users),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_auth0_fault_never_half_writes(
    app, client, emulator, admin_world, member, make_account, monkeypatch, name, fault
):
    operation = OPERATIONS[name]
    context = operation.prepare(admin_world, member, make_account)
    db.session.commit()  # the test's rows are visible to the request
    # Requests time out quickly here so that "slow" costs a second, not the default ten.
    monkeypatch.setattr(auth0_client().http, "timeout", httpx.Timeout(0.5))
    emulator.add_fault(operation.fault_method, operation.fault_path, **FAULTS[fault])
    response = operation.call(client, context)
    emulator.clear_faults()

    assert response.status_code != 500
    if response.status_code >= 400:
        assert isinstance(response.json["detail"], str)
    db.session.expire_all()
    changed_here, changed_in_auth0 = operation.state(context)
    if fault == "slow" and changed_in_auth0 and not changed_here:
        # Auth0 applied the change after aai gave up waiting: the next sync repairs it.
        operation.repair(auth0_client(), db.session, db.session.flush)
        db.session.expire_all()
        changed_here, changed_in_auth0 = operation.state(context)
        assert changed_here == changed_in_auth0
        return
    assert changed_here == changed_in_auth0 == (response.status_code < 400), (
        response.status_code,
        response.json,
    )
    if fault == "rate limited once":
        assert response.status_code < 400  # one retry after Retry-After succeeds
