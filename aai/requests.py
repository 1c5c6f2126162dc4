"""The request class: malformed JSON becomes a D2 400, never Werkzeug's HTML error."""

from flask import Request

from aai.errors import ApiError


class JsonRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None):
        raise ApiError("Malformed JSON body.", status=400)
