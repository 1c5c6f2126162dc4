"""The dashboard's pages, redirects and static files carry the app's security headers."""

import pytest

from tests.dashboard.conftest import get

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def security_headers(response) -> dict:
    return {name: response.headers.get(name) for name in SECURITY_HEADERS}


def test_a_signed_in_page_carries_them(admin_client):
    page = get(admin_client, "/db-admin/user/")
    assert (page.status_code, page.content_type) == (200, "text/html; charset=utf-8")
    assert security_headers(page) == SECURITY_HEADERS


@pytest.mark.parametrize("path", ["/db-admin/", "/db-admin/login"])
def test_the_way_to_the_login_carries_them(client, emulator, path):
    answer = get(client, path)
    assert answer.status_code == 302
    assert security_headers(answer) == SECURITY_HEADERS
