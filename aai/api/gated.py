"""Blueprints whose every route needs the same authority (`/admin`, `/biocommons-admin`).

The gate runs once per request, as a `before_request` of the blueprint: before the view and
before its input is validated (so a caller without the right answers 401/403 even with a bad
body), and no route of the blueprint can forget it. Routing failures (404/405) never reach it,
as before. Every operation is documented as taking the bearer token.
"""

from collections.abc import Callable

from flask import request
from flask_smorest import Blueprint

from aai.identity.tokens import needs_bearer_token


class GatedBlueprint(Blueprint):
    def __init__(self, *args, gate: Callable[[], object], **kwargs):
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.before_request(self._check_gate)

    def _check_gate(self) -> None:
        # Flask answers OPTIONS (CORS preflights) itself, without a token, as it always has.
        if request.method != "OPTIONS":
            self.gate()

    def route(self, rule, **options):
        register = super().route(rule, **options)
        return lambda view: register(needs_bearer_token(view))
