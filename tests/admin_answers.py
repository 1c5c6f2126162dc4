"""What an admin sees of the user lists, read in one go: the answers the caches serve.

`read_answers(get)` works with any client: `get(path, query)` returns the decoded JSON of a 200.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GALAXY_APPROVED = {"platform": "galaxy", "platform_approval_status": "approved"}


@dataclass(frozen=True)
class AdminAnswers:
    counts: dict  # /admin/users/counts: the navbar badges
    total: int  # /admin/users/pages
    pending_total: int  # /admin/users/pages?approval_status=pending
    listed: list[str]  # /admin/users
    pending: list[str]  # /admin/users?approval_status=pending
    galaxy_approved: list[str]  # /admin/users?platform=galaxy&platform_approval_status=approved


def read_answers(get: Callable[[str, dict], Any]) -> AdminAnswers:
    def ids(query: dict) -> list[str]:
        return [user["id"] for user in get("/admin/users", {**query, "per_page": 100})]

    return AdminAnswers(
        counts=get("/admin/users/counts", {}),
        total=get("/admin/users/pages", {})["total"],
        pending_total=get("/admin/users/pages", {"approval_status": "pending"})["total"],
        listed=ids({}),
        pending=ids({"approval_status": "pending"}),
        galaxy_approved=ids(GALAXY_APPROVED),
    )


def flask_getter(client, headers: dict) -> Callable[[str, dict], Any]:
    def get(path: str, query: dict) -> Any:
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, (path, query, response.json)
        return response.json

    return get


def httpx_getter(client, headers: dict) -> Callable[[str, dict], Any]:
    def get(path: str, query: dict) -> Any:
        response = client.get(path, params=query, headers=headers)
        assert response.status_code == 200, (path, query, response.text)
        return response.json()

    return get
