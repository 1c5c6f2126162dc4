"""The one error shape of decision D2, and the handlers that produce it for every failure.

Every error body is JSON with a string `detail`. Validation failures add `message` (the same
summary) and `field_errors`. A 500 carries the request id and never a stack trace.
"""

from flask import Flask, current_app, g, jsonify
from flask_limiter import RateLimitExceeded
from marshmallow import Schema, ValidationError, fields
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge


class FieldErrorSchema(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class ErrorSchema(Schema):
    """Body of every error response."""

    detail = fields.String(required=True, metadata={"description": "Shown to the user as is."})
    message = fields.String(metadata={"description": "Same summary, on validation errors."})
    field_errors = fields.List(fields.Nested(FieldErrorSchema))
    request_id = fields.String(metadata={"description": "On 500 responses, for support."})


class ApiError(Exception):
    """An error a view or service raises on purpose; its `detail` reaches the client."""

    status = 400

    def __init__(self, detail: str, *, status: int | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status = status or self.status
        self.headers = headers or {}

    def body(self) -> dict:
        return {"detail": self.detail}


class RequestValidationError(ApiError):
    """Input that fails validation: the D2 body with `message` and `field_errors`."""

    status = 422

    def __init__(self, detail: str, field_errors: list[dict], *, status: int | None = None):
        super().__init__(detail, status=status)
        self.field_errors = field_errors

    def body(self) -> dict:
        return {"detail": self.detail, "message": self.detail, "field_errors": self.field_errors}

    @classmethod
    def from_messages(cls, messages, *, status: int | None = None) -> "RequestValidationError":
        """Build from marshmallow/webargs messages such as {"json": {"email": ["..."]}}."""
        field_errors = flatten_messages(messages)
        summary = "; ".join(
            f"{item['field']}: {item['message']}" if item["field"] else item["message"]
            for item in field_errors
        )
        named = [item for item in field_errors if item["field"]]
        return cls(summary or "Invalid request.", named, status=status)


class FormError(RequestValidationError):
    """A 400 the portal shows on its form: `message` as an alert, `field_errors` under the
    controls they name (portal contract §4)."""

    status = 400

    def __init__(self, message: str, field_errors: list[dict] | None = None):
        super().__init__(message, field_errors or [])


class FieldError(FormError):
    """A 400 about one form control: the message is both the alert and the control's error."""

    def __init__(self, field: str, message: str):
        super().__init__(message, [{"field": field, "message": message}])


class PathValueError(FieldError):
    """A path parameter that fails its pattern: 422, like the original's path validation."""

    status = 422


class BadRequestError(ApiError):
    status = 400


class NotAuthenticatedError(ApiError):
    """No bearer token at all (the original's answer, with its challenge header)."""

    status = 401

    def __init__(self):
        super().__init__("Not authenticated", headers={"WWW-Authenticate": "Bearer"})


class NotAuthorizedError(ApiError):
    """A token (bearer or session) that fails verification."""

    status = 401

    def __init__(self, detail: str = "Not authorized"):
        super().__init__(detail)


class ForbiddenError(ApiError):
    status = 403


class NotFoundError(ApiError):
    status = 404


class ConflictError(ApiError):
    status = 409


class TooManyRequestsError(ApiError):
    status = 429


class UpstreamError(ApiError):
    """An upstream service (Auth0, email provider) failed or answered unexpectedly."""

    status = 502


class ServiceUnavailableError(ApiError):
    status = 503


class RequestTooLargeError(ApiError):
    status = 413


# webargs nests messages under the request location; those names are not fields.
REQUEST_LOCATIONS = {
    "json",
    "query",
    "querystring",
    "form",
    "headers",
    "cookies",
    "files",
    "view_args",
    "path",
}


def flatten_messages(messages, prefix: str = "") -> list[dict]:
    """Turn marshmallow's nested message dicts into [{"field": "a.b", "message": "..."}]."""
    if isinstance(messages, str):
        return [{"field": prefix, "message": messages}]
    if isinstance(messages, list):
        return [item for message in messages for item in flatten_messages(message, prefix)]
    items = []
    for key, value in messages.items():
        name = str(key)
        if name in REQUEST_LOCATIONS and not prefix or name == "_schema":
            name = ""
        items.extend(flatten_messages(value, ".".join(part for part in (prefix, name) if part)))
    return items


def error_response(body: dict, status: int, headers: dict | None = None):
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def handle_api_error(error: ApiError):
    return error_response(error.body(), error.status, error.headers)


def handle_http_exception(error: HTTPException):
    """Routing errors (404/405), aborts and webargs' validation failures, in the D2 shape."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages is not None:
        return handle_api_error(RequestValidationError.from_messages(messages, status=error.code))
    headers = {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response({"detail": _describe(error)}, error.code or 500, headers)


def _describe(error: HTTPException) -> str:
    # Werkzeug's default descriptions are long sentences; keep FastAPI's short names
    # ("Not Found") unless the code that raised the error gave its own description.
    default = type(error).description
    return error.name if error.description in (None, default) else error.description


def handle_marshmallow_error(error: ValidationError):
    return handle_api_error(RequestValidationError.from_messages(error.messages))


# No explicit rollback below: Flask-SQLAlchemy removes (and so rolls back) the session at the
# end of every request.


def handle_integrity_error(error: IntegrityError):
    current_app.logger.warning("integrity error: %s", error.orig)
    return error_response({"detail": "The change conflicts with existing data."}, 409)


def handle_database_unavailable(error: Exception):
    """The database is down or dropped the connection (SQLAlchemy then renews the pool)."""
    current_app.logger.warning("database unavailable: %s", getattr(error, "orig", error))
    return error_response({"detail": "Database unavailable. Please try again shortly."}, 503)


def handle_unexpected_error(error: Exception):
    if current_app.testing:
        raise error  # tests see the real failure, not a 500 body
    request_id = g.get("request_id", "")
    current_app.logger.exception("unhandled error")
    body = {"detail": f"Internal server error (request id {request_id}).", "request_id": request_id}
    return error_response(body, 500)


# --- the edge: abuse limits (D12, aai.limits) and the request body limit (aai.http_edge) ------

TOO_MANY_REQUESTS = "Too many requests. Please try again later."


def handle_rate_limit_exceeded(error: RateLimitExceeded):
    """A breached limit, without naming it; Flask-Limiter's after-request hook then adds
    `Retry-After` and the `X-RateLimit-*` headers to this answer."""
    return handle_api_error(TooManyRequestsError(TOO_MANY_REQUESTS))


def handle_body_too_large(error: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return handle_api_error(
        RequestTooLargeError(f"Request body too large: at most {limit} bytes are accepted.")
    )


def register_error_handlers(app: Flask) -> None:
    """Registered at app level (not on blueprints) so routing 404/405 are covered too."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit_exceeded)
    app.register_error_handler(RequestEntityTooLarge, handle_body_too_large)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ValidationError, handle_marshmallow_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected_error)
