"""marshmallow schemas shared by the API's resources."""

from marshmallow import Schema, fields


class ServiceInfoOut(Schema):
    message = fields.String(required=True)
    version = fields.String(required=True)


class HealthOut(Schema):
    status = fields.String(required=True)
