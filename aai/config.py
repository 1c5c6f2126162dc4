"""Settings: parsed once from environment variables, with one error naming every problem.

Names, meanings and defaults follow the FastAPI original so that a deployment's secrets carry
over (decision D3). No secret has a default here: development values live in `dev.env`.
"""

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from dotenv import dotenv_values

# Flask-Limiter's own parser, so settings are checked with the syntax used per request.
from limits import parse_many
from limits.errors import ConfigurationError as StorageConfigurationError
from limits.storage import storage_from_string
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENVIRONMENT_ALIASES = {
    "dev": "dev",
    "development": "dev",
    "staging": "staging",
    "stage": "staging",
    "prod": "production",
    "production": "production",
}
PORTAL_URLS = {
    "dev": "https://dev.portal.aai.test.biocommons.org.au",
    "staging": "https://staging.portal.aai.test.biocommons.org.au",
    "production": "https://portal.access.services.biocommons.org.au",
}
SBP_DEFAULT_DOMAINS = [
    "unsw.edu.au",
    "ad.unsw.edu.au",
    "student.unsw.edu.au",
    "biocommons.org.au",
    "sydney.edu.au",
    "uni.sydney.edu.au",
    "wehi.edu.au",
    "monash.edu",
    "student.monash.edu",
    "griffith.edu.au",
    "griffithuni.edu.au",
    "unimelb.edu.au",
    "student.unimelb.edu.au",
]
# Domains of Australian universities and research organisations. An email address belongs to an
# Australian research institution when its domain is one of these or a subdomain of one
# (`student.unsw.edu.au` counts, `evilunsw.edu.au` does not); see docs/decisions.md.
AUSTRALIAN_RESEARCH_DEFAULT_DOMAINS = [
    # universities
    "acu.edu.au",
    "adelaide.edu.au",
    "adelaideuni.edu.au",
    "anu.edu.au",
    "bond.edu.au",
    "canberra.edu.au",
    "cdu.edu.au",
    "cqu.edu.au",
    "csu.edu.au",
    "curtin.edu.au",
    "deakin.edu.au",
    "ecu.edu.au",
    "federation.edu.au",
    "flinders.edu.au",
    "griffith.edu.au",
    "griffithuni.edu.au",
    "jcu.edu.au",
    "latrobe.edu.au",
    "monash.edu",
    "monash.edu.au",
    "mq.edu.au",
    "murdoch.edu.au",
    "nd.edu.au",
    "newcastle.edu.au",
    "qut.edu.au",
    "rmit.edu.au",
    "scu.edu.au",
    "swin.edu.au",
    "sydney.edu.au",
    "une.edu.au",
    "unimelb.edu.au",
    "unisa.edu.au",
    "unisq.edu.au",
    "unsw.edu.au",
    "uow.edu.au",
    "uq.edu.au",
    "usc.edu.au",
    "usq.edu.au",
    "utas.edu.au",
    "uts.edu.au",
    "uwa.edu.au",
    "vu.edu.au",
    "westernsydney.edu.au",
    # research organisations and medical research institutes
    "aad.gov.au",
    "aims.gov.au",
    "ansto.gov.au",
    "baker.edu.au",
    "biocommons.org.au",
    "burnet.edu.au",
    "csiro.au",
    "florey.edu.au",
    "garvan.org.au",
    "hudson.org.au",
    "mcri.edu.au",
    "petermac.org",
    "qimrb.edu.au",
    "qimrberghofer.edu.au",
    "sahmri.com",
    "sahmri.org.au",
    "telethonkids.org.au",
    "thekids.org.au",
    "victorchang.edu.au",
    "wehi.edu.au",
]
EMAIL_BACKENDS = ("ses", "smtp", "console")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The URL schemes aai has a driver for; `+psycopg` (the original's) is served by psycopg2.
DATABASE_SCHEMES = (
    "postgresql",
    "postgres",
    "postgresql+psycopg2",
    "postgresql+psycopg",
    "sqlite",
    "sqlite+pysqlite",
)
# Relative SQLite paths resolve inside the Flask instance folder (Flask-SQLAlchemy 3).
DEV_DATABASE_URL = "sqlite:///aai.sqlite3"


# Load balancers give up on a request after 60 s (an ALB's default); Auth0 may use at most this.
MAX_AUTH0_REQUEST_BUDGET_SECONDS = 45.0


class ConfigError(Exception):
    """Raised with every configuration problem listed in one message."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Invalid configuration ({len(problems)} problem(s)):\n{lines}")


# --- value parsers: each takes the raw string and returns the typed value or raises ValueError


def parse_str(raw: str) -> str:
    return raw.strip()


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


Number = TypeVar("Number", int, float)


def number_parser(
    kind: Callable[[str], Number],
    wanted: str,
    *,
    above: Number | None = None,
    at_least: Number | None = None,
    at_most: Number | None = None,
) -> Callable[[str], Number]:
    """A parser of `kind` (int or float) refusing values outside the bounds, naming `wanted`."""

    def parse(raw: str) -> Number:
        value = kind(raw)
        if (
            (above is not None and value <= above)
            or (at_least is not None and value < at_least)
            or (at_most is not None and value > at_most)
        ):
            raise ValueError(f"expected {wanted}, got {raw!r}")
        return value

    return parse


parse_positive_float = number_parser(float, "a positive number", above=0.0)
parse_non_negative_float = number_parser(float, "zero or a positive number", at_least=0.0)
parse_non_negative_int = number_parser(int, "zero or a positive whole number", at_least=0)
parse_positive_int = number_parser(int, "a positive whole number", at_least=1)
parse_port = number_parser(int, "a port number", at_least=1, at_most=65535)


def parse_json_list(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ValueError(f'expected a JSON list such as ["a", "b"], got {raw!r}') from None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f'expected a JSON list of strings such as ["a", "b"], got {raw!r}')
    return value


def parse_comma_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_environment(raw: str) -> str:
    value = ENVIRONMENT_ALIASES.get(raw.strip().lower())
    if value is None:
        raise ValueError(f"Input should be 'dev', 'staging' or 'production', got {raw!r}")
    return value


def parse_email(raw: str) -> str:
    value = raw.strip()
    if not EMAIL_PATTERN.match(value):
        raise ValueError(f"expected an email address, got {raw!r}")
    return value


def parse_http_url(raw: str) -> str:
    value = raw.strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"expected an http(s) URL, got {raw!r}")
    return value


def parse_email_backend(raw: str) -> str:
    value = raw.strip().lower()
    if value not in EMAIL_BACKENDS:
        raise ValueError(f"expected one of {', '.join(EMAIL_BACKENDS)}, got {raw!r}")
    return value


def parse_log_level(raw: str) -> str:
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(f"expected a logging level such as INFO, got {raw!r}")
    return value


def parse_rate_limit(raw: str) -> str:
    """A Flask-Limiter limit such as `10/minute;50/hour` (checked now, used per request)."""
    value = raw.strip()
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"expected a rate limit such as 10/minute;50/hour, got {raw!r}") from None
    return value


# Rate-limit storages whose client is built without connecting (no I/O at start-up) and whose
# package aai ships: memory (per process) and the Redis family (`redis` is in the locks).
RATELIMIT_STORAGE_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel")


def parse_ratelimit_storage(raw: str) -> str:
    """`memory://` or a Redis URL, checked by building the storage's client (it connects to
    nothing until a limit is checked), so a typo fails at start-up, not at the first request."""
    value = raw.strip()
    scheme, separator, _ = value.partition("://")
    shown = redact_password(value)
    if not separator or scheme.lower() not in RATELIMIT_STORAGE_SCHEMES:
        schemes = ", ".join(f"{name}://" for name in RATELIMIT_STORAGE_SCHEMES)
        raise ValueError(f"expected a URL starting with one of {schemes}, got {shown!r}")
    try:
        storage_from_string(value)
    except (StorageConfigurationError, ValueError) as error:
        raise ValueError(f"{error} (in {shown!r})") from None
    return value


def ratelimit_storage_options(uri: str) -> dict[str, float]:
    """Redis client timeouts: an unreachable Redis costs a request a second at most (then the
    limiter counts in memory, aai.limits), never the operating system's TCP timeout."""
    if uri.startswith("memory://"):
        return {}
    return {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}


def parse_database_url(raw: str) -> str:
    """A SQLAlchemy URL of a backend aai ships a driver for (PostgreSQL or SQLite)."""
    url = raw.strip()
    try:
        scheme = make_url(url).drivername
    except ArgumentError:
        raise ValueError(
            f"expected a database URL such as postgresql://user:password@host/name or "
            f"sqlite:///aai.sqlite3, got {redact_password(url)!r}"
        ) from None
    if scheme not in DATABASE_SCHEMES:
        raise ValueError(f"aai supports PostgreSQL (psycopg2) and SQLite databases, not {scheme!r}")
    return url


def redact_password(url: str) -> str:
    """The URL with any password replaced, fit for an error message or a log line."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any] = parse_str
    required: bool = False
    default: Any = None


# The README's configuration table mirrors this list.
SETTINGS = (
    Setting("ENVIRONMENT", parse_environment, default="dev"),
    Setting("TESTING", parse_bool, default=False),
    Setting("LOG_LEVEL", parse_log_level, default="INFO"),
    Setting("AUTH0_DOMAIN", required=True),
    Setting("AUTH0_CUSTOM_DOMAIN", parse_http_url),
    Setting("AUTH0_MANAGEMENT_ID", required=True),
    Setting("AUTH0_MANAGEMENT_SECRET", required=True),
    Setting("AUTH0_AUDIENCE", required=True),
    Setting("AUTH0_ISSUER"),
    Setting("AUTH0_DB_CONNECTION", default="Username-Password-Authentication"),
    Setting("AUTH0_ALGORITHMS", parse_json_list, default=["RS256"]),
    Setting("AUTH0_TIMEOUT_SECONDS", parse_positive_float, default=10.0),
    # Issue 14: time limits around Auth0 (docs/decisions.md 54). The Auth0 calls of one request
    # share a budget well under a load balancer's 60 s; Auth0's signing keys are re-read every
    # AUTH0_JWKS_REFRESH_SECONDS, at most once per AUTH0_JWKS_COOLDOWN_SECONDS, and a request
    # waits at most AUTH0_JWKS_WAIT_SECONDS for a key fetch in flight.
    Setting("AUTH0_REQUEST_BUDGET_SECONDS", parse_positive_float, default=20.0),
    Setting("AUTH0_JWKS_REFRESH_SECONDS", parse_positive_float, default=300.0),
    Setting("AUTH0_JWKS_COOLDOWN_SECONDS", parse_non_negative_float, default=30.0),
    Setting("AUTH0_JWKS_WAIT_SECONDS", parse_positive_float, default=3.0),
    Setting("JWT_SECRET_KEY", required=True),
    Setting("RECAPTCHA_SECRET", required=True),
    Setting(
        "RECAPTCHA_VERIFY_URL",
        parse_http_url,
        default="https://www.google.com/recaptcha/api/siteverify",
    ),
    Setting("ADMIN_ROLES", parse_json_list, default=[]),
    Setting("ENABLE_ADMIN_DASHBOARD", parse_bool, default=False),
    Setting("ADMIN_CLIENT_ID"),
    Setting("ADMIN_CLIENT_SECRET"),
    Setting("CORS_ALLOWED_ORIGINS", parse_comma_list, required=True),
    Setting("AAI_PORTAL_URL", parse_http_url),
    Setting("NO_REPLY_EMAIL_SENDER", parse_email, required=True),
    Setting("EMAIL_BACKEND", parse_email_backend, default="ses"),
    Setting("SES_RESOURCE_ARN"),
    Setting("SES_REGION", default="ap-southeast-2"),
    Setting("SMTP_HOST"),
    Setting("SMTP_PORT", parse_port, default=587),
    Setting("SMTP_USERNAME"),
    Setting("SMTP_PASSWORD"),
    Setting("SMTP_STARTTLS", parse_bool, default=True),
    Setting("SBP_ALLOWED_EMAIL_DOMAINS", parse_json_list, default=SBP_DEFAULT_DOMAINS),
    Setting("RATELIMIT_STORAGE_URI", parse_ratelimit_storage, default="memory://"),
    # Proxies in front of the app that each append to X-Forwarded-For (1 behind an AWS ALB);
    # 0 trusts no forwarding header at all.
    Setting("TRUSTED_PROXY_HOPS", parse_non_negative_int, default=0),
    # The largest request body accepted (bytes); larger ones are answered 413 unread.
    Setting("MAX_REQUEST_BYTES", parse_positive_int, default=1024 * 1024),
    Setting("ENABLE_PROMETHEUS_METRICS", parse_bool, default=False),
    Setting("WORKER_METRICS_PORT", parse_port, default=9100),
    Setting("WORKER_HEARTBEAT_FILE", default="/tmp/aai-worker-heartbeat"),  # noqa: S108 - its own /tmp
    Setting("CACHE_TTL_SECONDS", parse_non_negative_float, default=60.0),
    Setting("DB_PREPARED_STATEMENTS", parse_bool, default=True),
    # Prepared statements each database connection keeps (aai.admin_lists.prepared): about
    # 0.35 MB of PostgreSQL backend memory each.
    Setting("DB_PREPARED_STATEMENTS_KEPT", parse_positive_int, default=32),
    Setting("DB_URL", parse_database_url),
    Setting("DB_HOST"),
    Setting("DB_PORT", parse_port),
    Setting("DB_NAME"),
    Setting("DB_USER"),
    Setting("DB_PASSWORD"),
    Setting(
        "AUSTRALIAN_RESEARCH_INSTITUTION_DOMAINS",
        parse_json_list,
        default=AUSTRALIAN_RESEARCH_DEFAULT_DOMAINS,
    ),
    # Abuse limits (D12), per client address (per user for the email-change code).
    Setting("RATELIMIT_REGISTRATION", parse_rate_limit, default="10/minute;50/hour"),
    Setting("RATELIMIT_AVAILABILITY", parse_rate_limit, default="60/minute"),
    Setting("RATELIMIT_EMAIL_SENDING", parse_rate_limit, default="5/minute;20/hour"),
    Setting("RATELIMIT_EMAIL_CODE", parse_rate_limit, default="5/10minute;20/day"),
    Setting("RATELIMIT_EMAIL_CODE_ATTEMPTS", parse_rate_limit, default="20/10minute"),
)


def read_environment(env_file: str | os.PathLike = ".env") -> dict[str, str]:
    """Process environment over the `.env` file (the process wins, as in the original)."""
    file_values = dotenv_values(env_file) if Path(env_file).is_file() else {}
    merged = {key: value for key, value in file_values.items() if value is not None}
    merged.update(os.environ)
    return merged


def load_config(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse and check every setting; raise ConfigError listing all problems at once."""
    values, problems = _parse_settings(environ)
    values.update(_derived_settings(values, problems))
    if problems:
        raise ConfigError(problems)
    return values


def _parse_settings(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        # A blank value counts as unset, as an empty line in an env file usually means "not set".
        if raw is None or not raw.strip():
            if setting.required:
                problems.append(f"{setting.name} is required but not set")
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            problems.append(f"{setting.name} is malformed: {error}")
            values[setting.name] = setting.default
    return values, problems


def _derived_settings(values: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Settings computed from others; runs even when some are missing, to report everything."""
    relaxed = values["ENVIRONMENT"] == "dev" or values["TESTING"]
    domain = values["AUTH0_DOMAIN"]
    derived = {
        "AUTH0_BASE_URL": _auth0_base_url(domain, relaxed, problems) if domain else None,
        "AAI_PORTAL_URL": values["AAI_PORTAL_URL"] or PORTAL_URLS[values["ENVIRONMENT"]],
        # Flask's session signing key (the dashboard's login session), as in the original.
        "SECRET_KEY": values["JWT_SECRET_KEY"],
        # Flask's own name: Werkzeug stops reading a streamed body there (aai.http_edge).
        "MAX_CONTENT_LENGTH": values["MAX_REQUEST_BYTES"],
        "RATELIMIT_STORAGE_OPTIONS": ratelimit_storage_options(values["RATELIMIT_STORAGE_URI"]),
        "SQLALCHEMY_DATABASE_URI": _database_url(values, problems),
    }
    derived["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        derived["SQLALCHEMY_DATABASE_URI"], values["DB_PREPARED_STATEMENTS"]
    )
    problems.extend(auth0_time_problems(values))
    if values["EMAIL_BACKEND"] == "smtp" and not values["SMTP_HOST"]:
        problems.append("SMTP_HOST is required when EMAIL_BACKEND is smtp")
    derived.update(_dashboard_settings(values, derived["AUTH0_BASE_URL"], relaxed, problems))
    return derived


def auth0_time_problems(values: dict[str, Any]) -> list[str]:
    """The key cooldown must let the periodic refresh happen, and the request budget must leave
    a load balancer's 60 s room for the rest of the request."""
    problems = []
    if values["AUTH0_JWKS_COOLDOWN_SECONDS"] > values["AUTH0_JWKS_REFRESH_SECONDS"]:
        problems.append(
            "AUTH0_JWKS_COOLDOWN_SECONDS must not exceed AUTH0_JWKS_REFRESH_SECONDS "
            "(the cooldown would delay the refresh of the published keys)"
        )
    if values["AUTH0_REQUEST_BUDGET_SECONDS"] > MAX_AUTH0_REQUEST_BUDGET_SECONDS:
        problems.append(
            f"AUTH0_REQUEST_BUDGET_SECONDS must be at most {MAX_AUTH0_REQUEST_BUDGET_SECONDS:g} "
            "(well under the 60 s a load balancer waits)"
        )
    return problems


def _dashboard_settings(
    values: dict[str, Any], base_url: str | None, relaxed: bool, problems: list[str]
) -> dict[str, Any]:
    """The database dashboard's Auth0 login client (D9), checked only when it is enabled.

    The client is the dashboard's own Auth0 application (`ADMIN_CLIENT_ID`/`ADMIN_CLIENT_SECRET`)
    or, when neither is set, the Management application, as the original's code does. Half a
    pair is refused rather than mixed with the other application's half, and so is an empty
    `ADMIN_ROLES`, with which nobody could log in.
    """
    client_id, client_secret = values["ADMIN_CLIENT_ID"], values["ADMIN_CLIENT_SECRET"]
    if not client_id and not client_secret:
        client_id, client_secret = values["AUTH0_MANAGEMENT_ID"], values["AUTH0_MANAGEMENT_SECRET"]
    login_url = values["AUTH0_CUSTOM_DOMAIN"] or base_url
    if values["ENABLE_ADMIN_DASHBOARD"]:
        if bool(values["ADMIN_CLIENT_ID"]) != bool(values["ADMIN_CLIENT_SECRET"]):
            problems.append(
                "ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set together "
                "(or both left unset to use the Management application)"
            )
        if not values["ADMIN_ROLES"]:
            problems.append(
                "ADMIN_ROLES must name at least one role when ENABLE_ADMIN_DASHBOARD is true"
            )
        custom_domain = values["AUTH0_CUSTOM_DOMAIN"]
        if custom_domain and custom_domain.startswith("http://") and not relaxed:
            problems.append("AUTH0_CUSTOM_DOMAIN uses http://, allowed only when ENVIRONMENT=dev")
    return {
        "DASHBOARD_CLIENT_ID": client_id,
        "DASHBOARD_CLIENT_SECRET": client_secret,
        "DASHBOARD_LOGIN_URL": login_url,
    }


def _auth0_base_url(domain: str, relaxed: bool, problems: list[str]) -> str:
    """`AUTH0_DOMAIN` may carry a scheme; https is assumed without one (D3)."""
    base = domain.strip().rstrip("/")
    if "://" not in base:
        return f"https://{base}"
    if base.startswith("http://") and not relaxed:
        problems.append("AUTH0_DOMAIN uses http://, allowed only when ENVIRONMENT=dev")
    elif not base.startswith(("http://", "https://")):
        problems.append(f"AUTH0_DOMAIN is malformed: unsupported scheme in {domain!r}")
    return base


def _database_url(values: dict[str, Any], problems: list[str]) -> str:
    """Resolution order of the original: DB_HOST parts, then DB_URL, then a dev default."""
    if values["DB_HOST"]:
        return _url_from_parts(values, problems)
    if values["DB_URL"]:
        return normalise_database_url(values["DB_URL"])
    if values["ENVIRONMENT"] == "production":
        problems.append(
            "DB_URL (or DB_HOST with DB_USER and DB_PASSWORD) is required in production"
        )
    return DEV_DATABASE_URL


def _url_from_parts(values: dict[str, Any], problems: list[str]) -> str:
    missing = [name for name in ("DB_USER", "DB_PASSWORD") if not values[name]]
    problems.extend(f"{name} is required when DB_HOST is set" for name in missing)
    credentials = (
        f"{quote(values['DB_USER'] or '', safe='')}:{quote(values['DB_PASSWORD'] or '', safe='')}"
    )
    host = values["DB_HOST"]
    if values["DB_PORT"] and ":" not in host:
        host = f"{host}:{values['DB_PORT']}"
    name = f"/{values['DB_NAME']}" if values["DB_NAME"] else ""
    return f"postgresql+psycopg2://{credentials}@{host}{name}"


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg2, aai's driver; the original used `+psycopg`."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def engine_options(url: str, prepared_statements: bool) -> dict[str, Any]:
    """Connection settings of the original: short connect timeout, 30 s statement timeout."""
    if url.startswith("postgresql"):
        # No JIT: it pays off for long analytic queries, not aai's, where it cost up to 45 % of a
        # statement's time and grew each backend by LLVM code kept outside its memory contexts.
        # Index pages cost what table pages cost: aai's tables and indexes are read from memory
        # (or SSD), not the spinning disks PostgreSQL's default of 4.0 models. With 4.0 the
        # unverified badge read every membership row rather than merging two indexes (17–23 ms
        # against 7–8 ms, docs/decisions.md 75).
        options = "-c statement_timeout=30000 -c jit=off -c random_page_cost=1.1"
        if prepared_statements:
            # aai's prepared statements (aai.admin_lists.prepared) are planned once, when prepared:
            # their parameters do not change the best plan, and a fresh plan costs as much as
            # running them. They are the only prepared statements on aai's connections.
            options += " -c plan_cache_mode=force_generic_plan"
        return {
            "connect_args": {"connect_timeout": 10, "options": options},
            # No pre-ping (a round trip per request): a dropped connection fails its request
            # with a 503 (aai.errors) and SQLAlchemy then replaces the pool's connections.
            "pool_pre_ping": False,
            "pool_recycle": 600,
            "pool_size": 10,
            "max_overflow": 10,
            "pool_timeout": 30,
        }
    return {"connect_args": {"check_same_thread": False, "timeout": 30}}
