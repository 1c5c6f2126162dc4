"""Settings mappings for test apps (tests never edit os.environ)."""

BASE_SETTINGS = {
    "ENVIRONMENT": "dev",
    "TESTING": "true",
    "AUTH0_DOMAIN": "http://127.0.0.1:9",
    "AUTH0_AUDIENCE": "https://api.aai.test",
    "AUTH0_MANAGEMENT_ID": "test-management-client",
    "AUTH0_MANAGEMENT_SECRET": "test-management-secret",
    "JWT_SECRET_KEY": "test-session-secret",
    "RECAPTCHA_SECRET": "test-recaptcha-secret",
    "CORS_ALLOWED_ORIGINS": "https://portal.example.org, http://localhost:4200",
    "NO_REPLY_EMAIL_SENDER": "no-reply@aai.test",
    "EMAIL_BACKEND": "console",
    "LOG_LEVEL": "WARNING",
}


def settings(**overrides: str) -> dict[str, str]:
    """The base test settings with some values replaced (None removes a key)."""
    merged = {**BASE_SETTINGS, **overrides}
    return {key: value for key, value in merged.items() if value is not None}
