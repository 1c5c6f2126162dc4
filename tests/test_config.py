"""Configuration: parsed once, every problem named in one message (D3)."""

import subprocess
import sys
from pathlib import Path

import pytest

from aai.config import ConfigError, load_config
from tests.settings import settings

REPO = Path(__file__).resolve().parent.parent
REQUIRED = (
    "AUTH0_DOMAIN",
    "AUTH0_MANAGEMENT_ID",
    "AUTH0_MANAGEMENT_SECRET",
    "AUTH0_AUDIENCE",
    "JWT_SECRET_KEY",
    "RECAPTCHA_SECRET",
    "CORS_ALLOWED_ORIGINS",
    "NO_REPLY_EMAIL_SENDER",
)


def problems_of(environ: dict) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(environ)
    return str(raised.value)


def test_production_without_settings_names_every_missing_variable():
    message = problems_of({"ENVIRONMENT": "production"})
    for name in (*REQUIRED, "DB_URL"):
        assert name in message
    assert message.count("\n  - ") == len(REQUIRED) + 1


def test_malformed_values_are_named_with_the_missing_ones():
    message = problems_of({"ENVIRONMENT": "production", "ADMIN_ROLES": "Admin,GalaxyAdmin"})
    assert "ADMIN_ROLES is malformed" in message
    assert "JWT_SECRET_KEY is required" in message


def flask_routes(environment: dict, directory: Path) -> subprocess.CompletedProcess:
    """Start the app the way its commands do (`flask routes`), in `directory`."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(REPO / "wsgi.py"), "routes"],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_flask_cli_exits_non_zero_with_one_message(tmp_path):
    # Run from an empty directory so no .env file is picked up.
    environment = {"PATH": "/usr/bin:/bin", "ENVIRONMENT": "production", "ADMIN_ROLES": "{not json"}
    result = flask_routes(environment, tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.count("Invalid configuration") == 1
    for name in (*REQUIRED, "ADMIN_ROLES"):
        assert name in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Production", "production"),
        (" prod ", "production"),
        ("stage", "staging"),
        ("development", "dev"),
    ],
)
def test_environment_names_are_normalised(raw, expected):
    assert load_config(settings(ENVIRONMENT=raw, DB_URL="sqlite://"))["ENVIRONMENT"] == expected


def test_unknown_environment_is_refused():
    assert "Input should be 'dev', 'staging' or 'production'" in problems_of(
        settings(ENVIRONMENT="qa")
    )


def test_auth0_domain_without_scheme_means_https():
    config = load_config(settings(AUTH0_DOMAIN="tenant.au.auth0.com/"))
    assert config["AUTH0_BASE_URL"] == "https://tenant.au.auth0.com"


def test_plain_http_auth0_is_refused_outside_dev():
    environ = settings(ENVIRONMENT="staging", TESTING=None, DB_URL="sqlite://")
    assert "AUTH0_DOMAIN uses http://" in problems_of(
        {**environ, "AUTH0_DOMAIN": "http://idp.local"}
    )
    dev = load_config(settings(AUTH0_DOMAIN="http://127.0.0.1:5001", TESTING=None))
    assert dev["AUTH0_BASE_URL"] == "http://127.0.0.1:5001"


def test_database_url_from_parts_quotes_credentials():
    config = load_config(
        settings(
            DB_HOST="db.internal",
            DB_PORT="5433",
            DB_NAME="aai",
            DB_USER="app",
            DB_PASSWORD="p@ss/word",
        )
    )
    expected = "postgresql+psycopg2://app:p%40ss%2Fword@db.internal:5433/aai"
    assert config["SQLALCHEMY_DATABASE_URI"] == expected
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["connect_timeout"] == 10


def test_prepared_statements_are_planned_once_unless_turned_off():
    url = {"DB_URL": "postgresql://app:secret@db.internal/aai"}
    options = load_config(settings(**url))["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert "-c plan_cache_mode=force_generic_plan" in options["options"]
    assert "-c statement_timeout=30000" in options["options"]
    config = load_config(settings(**url, DB_PREPARED_STATEMENTS="false"))
    assert config["DB_PREPARED_STATEMENTS"] is False
    assert "plan_cache_mode" not in config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]


def test_prepared_statements_kept_per_connection_is_a_positive_whole_number():
    kept = "DB_PREPARED_STATEMENTS_KEPT"
    assert load_config(settings())[kept] == 32
    assert load_config(settings(**{kept: "5"}))[kept] == 5
    for bad in ("0", "-3"):
        expected = f"{kept} is malformed: expected a positive whole number"
        assert expected in problems_of(settings(**{kept: bad}))
    assert f"{kept} is malformed" in problems_of(settings(**{kept: "many"}))


def test_database_host_needs_credentials():
    message = problems_of(settings(DB_HOST="db.internal"))
    assert "DB_USER is required when DB_HOST is set" in message
    assert "DB_PASSWORD is required when DB_HOST is set" in message


def test_original_psycopg_url_is_served_by_psycopg2():
    config = load_config(settings(DB_URL="postgresql+psycopg://u:p@h/aai"))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u:p@h/aai"


def test_lists_and_defaults():
    config = load_config(settings(ADMIN_ROLES='["Admin", "GalaxyAdmin"]'))
    assert config["ADMIN_ROLES"] == ["Admin", "GalaxyAdmin"]
    assert config["CORS_ALLOWED_ORIGINS"] == ["https://portal.example.org", "http://localhost:4200"]
    assert config["AUTH0_ALGORITHMS"] == ["RS256"]
    assert config["AAI_PORTAL_URL"] == "https://dev.portal.aai.test.biocommons.org.au"
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///aai.sqlite3"


def test_smtp_backend_needs_a_host():
    assert "SMTP_HOST is required" in problems_of(settings(EMAIL_BACKEND="smtp"))


def test_invalid_sender_and_port_are_named():
    message = problems_of(settings(NO_REPLY_EMAIL_SENDER="not-an-email", SMTP_PORT="seventy"))
    assert "NO_REPLY_EMAIL_SENDER is malformed" in message
    assert "SMTP_PORT is malformed" in message


# --- the edge: rate-limit storage, proxy hops, body limit


@pytest.mark.parametrize(
    "uri",
    [
        "memory://",
        # Nothing listens on port 9: the storage's client is built, no connection is made.
        "redis://127.0.0.1:9/0",
        "rediss://aai:secret@cache.internal:6380/1",
        "redis+unix:///run/redis/redis.sock",
        "redis+sentinel://127.0.0.1:9/mymaster",
    ],
)
def test_rate_limit_storage_accepts_memory_and_redis(uri):
    assert load_config(settings(RATELIMIT_STORAGE_URI=uri))["RATELIMIT_STORAGE_URI"] == uri


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("localhost:6379", "expected a URL starting with one of memory://, redis://, rediss://"),
        ("memcached://cache:11211", "expected a URL starting with one of memory://, redis://"),
        ("redis://:s3cret@cache:63790x/0", "Port could not be cast to integer value"),
        ("redis:/cache", "expected a URL starting with one of memory://, redis://"),
    ],
)
def test_bad_rate_limit_storage_is_one_problem_without_its_password(uri, problem):
    message = problems_of(settings(RATELIMIT_STORAGE_URI=uri))
    assert message.count("\n  - ") == 1
    assert "RATELIMIT_STORAGE_URI is malformed" in message
    assert problem in message
    assert "s3cret" not in message


def test_redis_storage_without_the_redis_package_is_one_message_at_start_up(tmp_path):
    # A `redis` that cannot be imported, first on the path: as if the package were not installed.
    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / "__init__.py").write_text("raise ImportError('not installed')\n")
    environment = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path),
        **settings(RATELIMIT_STORAGE_URI="redis://cache:6379/0"),
    }
    result = flask_routes(environment, tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    heading, problem = result.stderr.strip().splitlines()
    assert heading == "Invalid configuration (1 problem(s)):"
    assert problem.startswith(
        "  - RATELIMIT_STORAGE_URI is malformed: 'redis' prerequisite not available."
    )


def test_proxy_hops_and_body_limit_defaults():
    config = load_config(settings())
    assert config["TRUSTED_PROXY_HOPS"] == 0
    assert config["MAX_REQUEST_BYTES"] == config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_proxy_hops_and_body_limit_must_be_whole_numbers_in_range():
    message = problems_of(settings(TRUSTED_PROXY_HOPS="-1", MAX_REQUEST_BYTES="0"))
    assert "TRUSTED_PROXY_HOPS is malformed: expected zero or a positive whole number" in message
    assert "MAX_REQUEST_BYTES is malformed: expected a positive whole number" in message
    assert "TRUSTED_PROXY_HOPS is malformed" in problems_of(settings(TRUSTED_PROXY_HOPS="one"))


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("garbage", "DB_URL is malformed: expected a database URL such as postgresql://"),
        ("mysql://aai:secret@db/aai", "aai supports PostgreSQL (psycopg2) and SQLite"),
        ("postgresql+asyncpg://aai:secret@db/aai", "not 'postgresql+asyncpg'"),
    ],
)
def test_a_database_url_aai_cannot_use_is_one_configuration_problem(url, problem):
    message = problems_of(settings(DB_URL=url))
    assert problem in message
    assert message.count("\n  - ") == 1
    assert "secret" not in message


def flask_command(arguments: list[str], environment: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", str(REPO / "wsgi.py"), *arguments],
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", [["sync-auth0"], ["db", "upgrade"]])
@pytest.mark.parametrize(
    "url",
    ["garbage", "mysql://aai:secret@db/aai", "postgresql://aai:secret@127.0.0.1:9/aai"],
)
def test_commands_with_a_bad_or_unreachable_database_end_in_one_line(command, url):
    result = flask_command(command, settings(DB_URL=url, TESTING=None))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr
    assert "DB_URL is malformed" in result.stderr or result.stderr.count("\n") == 1
    if "127.0.0.1:9" in url:
        assert result.stderr.startswith("Cannot use the database postgresql+psycopg2://aai:***@")
        assert "Connection refused" in result.stderr
