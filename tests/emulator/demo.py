"""The demo seed's ids, and a Management API token, for the emulator's tests."""

from tests.emulator.wire import call
from tests.world import ROLE_IDS, USER_IDS

DEMO = {
    name: USER_IDS[email]
    for name, email in {
        "admin": "biocommons.admin@example.org",
        "galaxy_admin": "galaxy.admin@example.org",
        "tsi_admin": "tsi.admin@example.org",
        "approved": "approved.user@example.org",
        "pending": "pending.user@example.org",
        "unverified": "unverified.user@example.org",
        "blocked": "blocked.user@example.org",
    }.items()
}
GALAXY_ROLE = ROLE_IDS["biocommons/platform/galaxy"]
BPA_ROLE = ROLE_IDS["biocommons/platform/bpa_data_portal"]
TSI_ROLE = ROLE_IDS["biocommons/group/tsi"]


def management_token(emulator, scope: str | None = None) -> str:
    body = {
        "grant_type": "client_credentials",
        "client_id": emulator.management_client_id,
        "client_secret": emulator.management_client_secret,
        "audience": f"{emulator.url}/api/v2/",
    }
    if scope:
        body["scope"] = scope
    reply = call("POST", f"{emulator.url}/oauth/token", json_body=body)
    assert reply.status == 200, reply.text
    return reply.json()["access_token"]
