"""The request class: malformed JSON becomes a D2 400, never Werkzeug's HTML error, and a body
of unknown length over MAX_CONTENT_LENGTH a 413, never a truncated body."""

from typing import IO, cast

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from aai.errors import BadRequestError


class StreamedBodyLimit(LimitedStream):
    """A body of unknown length (chunked), read up to the limit and refused past it.

    Werkzeug's own stream for this case stops `readall` at the limit without a word, so the
    first bytes of a longer body would be parsed as if they were all of it. Here, reading at
    the limit asks the client's stream for one byte more: any answer is a 413; none, the end.
    """

    def __init__(self, source: IO[bytes], limit: int):
        super().__init__(source, limit, is_max=True)
        self.source = source

    def on_exhausted(self) -> None:
        if self.source.read(1):
            raise RequestEntityTooLarge()

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data


class JsonRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None):
        raise BadRequestError("Malformed JSON body.")

    @cached_property
    def stream(self) -> IO[bytes]:
        # A declared length is checked before any view runs (aai.http_edge) and then read
        # exactly; only a server-terminated stream of unknown length needs the guard.
        limit = self.max_content_length
        if self.content_length is None and limit and "wsgi.input_terminated" in self.environ:
            # A binary stream like werkzeug's LimitedStream it extends (werkzeug casts it too).
            return cast(IO[bytes], StreamedBodyLimit(self.environ["wsgi.input"], limit))
        return super().stream
