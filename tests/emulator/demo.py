"""The demo seed's ids, and a Management API token, for the emulator's tests."""

from tests.emulator.wire import call

DEMO = {
    "admin": "auth0|0a6ea82dffdf2464954b8750",
    "galaxy_admin": "auth0|587f99f2799e161ff49a100e",
    "tsi_admin": "auth0|8575bb176874d3cefaeb6ac4",
    "approved": "auth0|fc0e0b3de5f0c8b06dfae779",
    "pending": "auth0|77226fa3849968a9dcb9cad5",
    "unverified": "auth0|c289f72d7dbbbb27abbdef2f",
    "blocked": "auth0|586a45ad8658329c52def1e5",
}
GALAXY_ROLE = "rol_7q4wGqg7jJaWgi7y"
BPA_ROLE = "rol_SoqTRmZSuo3AeIdG"
TSI_ROLE = "rol_JmwV7ZFTVCxpy7QN"


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
