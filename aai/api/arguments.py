"""Request parsing for the portal-facing blueprints: validation errors in the portal's terms.

The portal shows `detail`/`message` as an alert and puts `field_errors` under form controls,
matched by name (10-portal-contract §4). So:

- `message` (and `detail`) is a readable sentence built from every failure;
- `field_errors` holds only fields a schema maps to a portal control (`PORTAL_FIELDS`, API name
  → control name, e.g. `current_password` → `currentPassword`). On registration that is only
  `username` and `email`: an error stored for any other control blocks re-submission until the
  page is reloaded (the "registration trap"). A schema without `PORTAL_FIELDS` reports every
  named field;
- malformed JSON is a 400 with a string detail.
"""

from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from aai.errors import BadRequestError, RequestValidationError, flatten_messages

# marshmallow's own texts, which do not name the field they are about.
GENERIC_PREFIXES = ("Not a valid", "Missing data", "Field may not", "Invalid", "Length must")


def describe(field: str, message: str) -> str:
    if message == "Unknown field.":
        return f"Unknown field: {field}."
    if field and message.startswith(GENERIC_PREFIXES):
        return f"{field}: {message}"
    return message


def validation_error(messages, schema, status: int) -> RequestValidationError:
    items = flatten_messages(messages)
    sentences = dict.fromkeys(describe(item["field"], item["message"]) for item in items)
    summary = " ".join(sentences) or "Invalid data submitted"
    portal_fields = getattr(schema, "PORTAL_FIELDS", None)
    if portal_fields is None:
        field_errors = [item for item in items if item["field"]]
    else:
        field_errors = [
            {"field": portal_fields[item["field"]], "message": item["message"]}
            for item in items
            if item["field"] in portal_fields
        ]
    return RequestValidationError(summary, field_errors, status=status)


class PortalArgumentsParser(FlaskParser):
    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        raise validation_error(error.messages, schema, error_status_code or 422)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise BadRequestError("Malformed JSON body.")


class PortalBlueprint(Blueprint):
    """A flask-smorest blueprint whose request validation answers in the portal's terms."""

    ARGUMENTS_PARSER = PortalArgumentsParser()
