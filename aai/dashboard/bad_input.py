"""Input the dashboard refuses gets a page saying so, with status 400, never a 500.

Control characters anywhere in a request are refused at the edge (aai.http_edge) with an
`UnsafeInputError`; on dashboard pages it is shown as this page rather than the API's JSON. A
list page asked for a page it cannot have (negative, or absurdly far) is refused the same way.
"""

from flask import Blueprint, render_template

from aai.errors import ApiError, BadRequestError
from aai.requests import UnsafeInputError

# Further than any table of aai goes; an offset past it is someone typing in the address bar.
MAX_PAGE = 1_000_000


class BadListArgumentsError(BadRequestError):
    """A list page asked with arguments no page could honour."""


def bad_request_page(error: ApiError) -> tuple[str, int]:
    return render_template("admin/aai_bad_request.html", message=error.detail), 400


def with_bad_request_pages(blueprint: Blueprint) -> Blueprint:
    """Register the page on a dashboard blueprint (before the blueprint is registered): a
    blueprint's handlers win over the app's JSON ones for the requests it serves."""
    blueprint.register_error_handler(UnsafeInputError, bad_request_page)
    blueprint.register_error_handler(BadListArgumentsError, bad_request_page)
    return blueprint
