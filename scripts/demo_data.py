"""The demo of `make run`, made through the API as its users would make it, so the admin pages
have something to show: the BioCommons admin's role administers every platform and group
(only platform and group admin roles give an admin the users to list, as in the original),
the pending user asks to join the TSI group, and the approved user's Bioplatforms access is
revoked. The unverified user comes from the emulator's seed.

Run by scripts/dev-stack.sh once the API is up: `demo_data.py API_URL EMULATOR_URL`. Each step
is done once: against an existing database (a later `make run`), an answer saying it is
already done is fine.
"""

import sys

import httpx

BIOCOMMONS_ADMIN = "biocommons.admin@example.org"
BIOCOMMONS_ADMIN_ROLE = "biocommons/role/biocommons/admin"
PLATFORM_ADMIN_ROLES = {
    "galaxy": ["biocommons/role/galaxy/admin"],
    "bpa_data_portal": ["biocommons/role/bpa_data_portal/admin"],
    "sbp": ["biocommons/role/sbp/admin"],
}
GROUP_ADMIN_ROLES = {"tsi": ["biocommons/role/tsi/admin"], "sbp_workflow_execution": []}
ALREADY_DONE = (400, 409)  # e.g. "already pending", "not approved"


def steps(user_id) -> list[tuple[str, str, dict]]:
    """(who, path, body) of each demo step, in order."""
    admin_roles = [
        (BIOCOMMONS_ADMIN, f"/biocommons-admin/platforms/{platform}/set-admin-roles", roles)
        for platform, roles in PLATFORM_ADMIN_ROLES.items()
    ] + [
        (BIOCOMMONS_ADMIN, f"/biocommons-admin/groups/{group}/set-admin-roles", roles)
        for group, roles in GROUP_ADMIN_ROLES.items()
    ]
    approved_user = user_id("approved.user@example.org")
    return [
        *(
            (who, path, {"role_names": [*roles, BIOCOMMONS_ADMIN_ROLE]})
            for who, path, roles in admin_roles
        ),
        (
            "pending.user@example.org",
            "/me/groups/request",
            {"group_id": "biocommons/group/tsi", "request_reason": "Demo: quoll genomics"},
        ),
        (
            BIOCOMMONS_ADMIN,
            f"/admin/users/{approved_user}/platforms/bpa_data_portal/revoke",
            {"reason": "Demo: access ended with the project"},
        ),
    ]


def main(api: str, emulator: str) -> int:
    with httpx.Client(timeout=30) as http:

        def token(email: str) -> dict:
            answer = http.post(f"{emulator}/_emulator/token", json={"sub": email})
            return answer.raise_for_status().json()

        def user_id(email: str) -> str:
            return token(email)["claims"]["sub"]

        for who, path, body in steps(user_id):
            headers = {"Authorization": f"Bearer {token(who)['access_token']}"}
            answer = http.post(f"{api}{path}", json=body, headers=headers)
            if answer.status_code not in (200, *ALREADY_DONE):
                print(f"Demo step {path}: {answer.status_code} {answer.text}", file=sys.stderr)
                return 1
    print("Demo data: admin roles linked, a pending group request, a revoked platform access.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
