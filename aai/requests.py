"""The request class (and the app class that uses it) and the rules for what text may come in
from outside.

Malformed JSON becomes a D2 400, never Werkzeug's HTML error; a body of unknown length over
MAX_CONTENT_LENGTH a 413, never a truncated body. JSON is decoded through `checked_json_loads`:
nesting deeper than MAX_JSON_DEPTH, and control characters in a key or a string value, are a
400 (`UnsafeInputError`), and so is a document too deep for Python's own decoder (which raises
RecursionError rather than ValueError).

Control characters (Unicode category Cc: C0, DEL and C1) are refused everywhere, except that
the free-text fields (`FREE_TEXT_FIELDS`, the reasons people type in a text area) may hold tab,
line feed and carriage return. PostgreSQL refuses NUL in text, and the other control characters
have no place in names, addresses or identifiers (docs/decisions.md).
"""

import json
import re
from collections.abc import Callable
from typing import IO, cast

from flask import Flask, Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from aai.errors import BadRequestError, RequestValidationError

MAX_JSON_DEPTH = 32
# Fields (JSON keys or form fields, wherever they are nested) that hold typed prose.
FREE_TEXT_FIELDS = frozenset({"reason", "request_reason"})
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_CHARACTERS_BUT_LINE_BREAKS_AND_TABS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class UnsafeInputError(RequestValidationError):
    """Input refused before any view sees it: control characters, or JSON nested too deep.

    The portal shows `message` as an alert; no `field_errors`, since the field may be one the
    portal has no control for (the registration trap of arguments.py)."""

    def __init__(self, detail: str, *, status: int = 400):
        super().__init__(detail, [], status=status)


def has_control_characters(text: str, field: str = "") -> bool:
    """Whether `text` holds a control character its field does not allow."""
    pattern = (
        CONTROL_CHARACTERS_BUT_LINE_BREAKS_AND_TABS
        if field in FREE_TEXT_FIELDS
        else CONTROL_CHARACTERS
    )
    return pattern.search(text) is not None


def control_characters_refused(where: str, status: int = 400) -> UnsafeInputError:
    return UnsafeInputError(f"{where}: control characters are not allowed.", status=status)


def checked_json_loads(data: str | bytes) -> object:
    """`json.loads`, then the depth and control-character rules; malformed JSON stays a
    ValueError (the caller's usual answer to it)."""
    try:
        document = json.loads(data)
    except RecursionError as error:
        raise too_deep() from error
    check_json_document(document)
    return document


def too_deep() -> UnsafeInputError:
    return UnsafeInputError(f"JSON body nested too deep: at most {MAX_JSON_DEPTH} levels.")


def check_json_document(document: object) -> None:
    """Walk the document without recursion (a hostile one may be deep)."""
    pending = [(document, "", "body", 1)]
    while pending:
        value, key, path, depth = pending.pop()
        if isinstance(value, str):
            if has_control_characters(value, key):
                raise control_characters_refused(path)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise too_deep()
        pending.extend(_children(value, key, path, depth + 1))


def _children(container: dict | list, key: str, path: str, depth: int):
    if isinstance(container, list):
        return [(item, key, f"{path}[{index}]", depth) for index, item in enumerate(container)]
    children = []
    for name, item in container.items():
        if has_control_characters(name):
            raise control_characters_refused(f"{path}: a key")
        children.append((item, name, name if path == "body" else f"{path}.{name}", depth))
    return children


class CheckedJson:
    """The request's JSON module: Flask's, with `loads` checked."""

    loads = staticmethod(checked_json_loads)

    @staticmethod
    def dumps(value, **kwargs) -> str:
        return json.dumps(value, **kwargs)


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
    @property
    def json_module(self):
        """What `get_json` decodes with: always the checked decoder."""
        return CheckedJson

    @json_module.setter
    def json_module(self, provider) -> None:
        # Flask gives every request the app's JSON provider; decoding keeps the checks, and
        # encoding (the provider's other use) never goes through the request.
        self.app_json_provider = provider

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


class App(Flask):
    """Flask with aai's request class, and one change for speed: Flask asks whether each hook
    and view is a coroutine function, to wrap it, on every call (a dozen `inspect` look-ups per
    request); here the answer is kept per callable, which never changes."""

    request_class = JsonRequest

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._callables: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        try:
            return self._callables[func]
        except KeyError:
            made = self._callables[func] = super().ensure_sync(func)
            return made
        except TypeError:  # unhashable: never seen among hooks and views, still served
            return super().ensure_sync(func)
