"""The subset of Auth0's user search syntax (v3, Lucene-like) the emulator understands.

`field:value`, `field:"quoted value"`, `*` wildcards, `_exists_:field`, `AND`, `OR`, `NOT`,
a leading `-` (excludes) and parentheses. Terms without an operator between them are OR-ed, as
in Lucene. Matching is case-insensitive. Fields: the top-level user fields, `app_metadata.<key>`,
`user_metadata.<key>`, and a bare value searches user_id, email, username, name and nickname.
"""

import re
from collections.abc import Callable

from auth0_emulator.representation import display_name, nickname
from auth0_emulator.tenant import User

Predicate = Callable[[User], bool]

_TOKEN = re.compile(r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+(?:"(?:[^"\\]|\\.)*")?)')
_FREE_TEXT_FIELDS = ("user_id", "email", "username", "name", "nickname")
_COMPUTED = {"name": display_name, "nickname": nickname}


class QueryError(ValueError):
    """The query is outside the supported syntax."""


def compile_query(query: str) -> Predicate:
    """A predicate for users matching `query`."""
    parser = _Parser(_tokens(query))
    predicate = parser.expression()
    if parser.peek() is not None:
        raise QueryError(f"unexpected {parser.peek()!r}")
    return predicate


def exact_term(query: str) -> tuple[str, str] | None:
    """(field, value) when the query is one exact `email:`/`username:`/`user_id:` term."""
    match = re.fullmatch(r'\s*(email|username|user_id):("?)([^"*\s()]+)\2\s*', query)
    return (match.group(1), match.group(3)) if match else None


def _tokens(query: str) -> list[str]:
    tokens, position = [], 0
    query = query.strip()
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:
            raise QueryError(f"cannot parse near {query[position:]!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent: expression := and (OR? and)*; and := unary (AND unary)*."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise QueryError("unexpected end of query")
        self.position += 1
        return token

    def expression(self) -> Predicate:
        parts: list[Predicate] = [self.conjunction()]
        excluded: list[Predicate] = []
        while self.peek() not in (None, ")"):
            if self.peek() == "OR":
                self.take()
            # A `-term` excludes whatever the operators around it (Lucene's MUST_NOT).
            is_excluded = (self.peek() or "").startswith("-")
            (excluded if is_excluded else parts).append(self.conjunction())
        return lambda user: any(p(user) for p in parts) and all(e(user) for e in excluded)

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() == "AND":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda user: all(p(user) for p in parts))

    def unary(self) -> Predicate:
        word = self.take()
        if word == "NOT":
            inner = self.unary()
            return lambda user: not inner(user)
        if word.startswith("-") and len(word) > 1:
            inner = _term(word[1:])
            return lambda user: not inner(user)
        if word == "(":
            inner = self.expression()
            if self.take() != ")":
                raise QueryError("missing )")
            return inner
        if word in (")", "AND", "OR"):
            raise QueryError(f"unexpected {word!r}")
        return _term(word)


def _term(token: str) -> Predicate:
    field, colon, value = token.partition(":")
    if not colon:
        field, value = "", token
    if not value:
        raise QueryError(f"missing value in {token!r}")
    matcher = _matcher(value)
    if field == "_exists_":
        return lambda user: _field(user, value) not in (None, "", {}, [])
    if not field:
        return lambda user: any(matcher(_field(user, name)) for name in _FREE_TEXT_FIELDS)
    return lambda user: matcher(_field(user, field))


def _matcher(value: str) -> Callable[[object], bool]:
    quoted = len(value) >= 2 and value[0] == value[-1] == '"'
    text = value[1:-1].replace('\\"', '"') if quoted else value
    if "*" in text and not quoted:
        pattern = re.compile(".*".join(re.escape(part) for part in text.split("*")), re.I | re.S)
        return lambda found: found is not None and bool(pattern.fullmatch(_text(found)))
    wanted = text.lower()
    return lambda found: found is not None and _text(found).lower() == wanted


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _field(user: User, path: str):
    if path in _COMPUTED:
        return _COMPUTED[path](user)
    head, _, rest = path.partition(".")
    if head in ("app_metadata", "user_metadata") and rest:
        value = getattr(user, head) or {}
        for key in rest.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return value
    if head in ("password", "role_ids") or head not in User.__dataclass_fields__:
        return None
    return getattr(user, head)
