"""The two error shapes Auth0 answers with, and the handlers that render them.

The Management API answers `{"statusCode", "error", "message", "errorCode"}`; the Authentication
API (`/oauth/token`, `/userinfo`, ...) answers OAuth's `{"error", "error_description"}`.
"""

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

MANAGEMENT_PREFIX = "/api/v2/"


class ManagementError(Exception):
    """An error of the Management API v2."""

    def __init__(self, status: int, message: str, error_code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code


class OAuthError(Exception):
    """An error of the Authentication API, OAuth style."""

    def __init__(self, status: int, error: str, description: str):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def management_body(status: int, message: str, error_code: str | None = None) -> dict:
    """Auth0's Management API error body."""
    error = HTTP_STATUS_CODES.get(status, "Error")
    body = {"statusCode": status, "error": error, "message": message}
    if error_code:
        body["errorCode"] = error_code
    return body


def not_found(what: str) -> ManagementError:
    """Auth0's 404 for a missing user, role or job (`The user does not exist.`)."""
    return ManagementError(404, f"The {what} does not exist.", f"inexistent_{what}")


def invalid_body(message: str) -> ManagementError:
    return ManagementError(400, f"Payload validation error: {message}", "invalid_body")


def invalid_query(message: str) -> ManagementError:
    return ManagementError(400, f"Query validation error: {message}", "invalid_query_string")


def register_error_handlers(app: Flask) -> None:
    """Render every error in the shape of the API the request was made to."""
    app.register_error_handler(ManagementError, _management_error)
    app.register_error_handler(OAuthError, _oauth_error)
    app.register_error_handler(HTTPException, _http_exception)


def _management_error(error: ManagementError):
    return jsonify(management_body(error.status, error.message, error.error_code)), error.status


def _oauth_error(error: OAuthError):
    body = {"error": error.error, "error_description": error.description}
    return jsonify(body), error.status


def _http_exception(error: HTTPException):
    status = error.code or 500
    if request.path.startswith(MANAGEMENT_PREFIX):
        return jsonify(management_body(status, error.description or error.name)), status
    body = {"error": error.name.lower().replace(" ", "_"), "error_description": error.description}
    return jsonify(body), status
