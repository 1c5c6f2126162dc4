"""marshmallow schemas shared by the API's resources."""

from marshmallow import EXCLUDE, Schema, fields

from aai.errors import ErrorSchema


class Body(Schema):
    """Every input (bodies, nested items and query arguments) ignores unknown fields: they are
    dropped before anything reads the data, so never applied. Forward compatible, as the
    original's pydantic models: a newer portal or Auth0 Action field must not break sign-up.
    """

    class Meta:
        unknown = EXCLUDE


class ServiceInfoOut(Schema):
    message = fields.String(required=True)
    version = fields.String(required=True)


class HealthOut(Schema):
    status = fields.String(required=True)


# Raw OpenAPI schema for endpoints that answer a bare JSON boolean (as the original).
BOOLEAN = {"type": "boolean"}


class AdminPlatformOut(Schema):
    id = fields.Function(lambda platform: platform.id.value, required=True)
    name = fields.String(required=True)


class AdminGroupOut(Schema):
    id = fields.String(attribute="group_id", required=True)
    name = fields.String(required=True)
    short_name = fields.String(required=True)


def documented_errors(blueprint, *codes: int):
    """Document the D2 error body for these statuses on a view of `blueprint`."""

    def decorate(view):
        for code in codes:
            view = blueprint.alt_response(code, schema=ErrorSchema, description="Error")(view)
        return view

    return decorate
