"""Settings mappings for test apps (tests never edit os.environ)."""

# The custom-domain issuer test apps trust besides the tenant's own (AUTH0_ISSUER).
TRUSTED_CUSTOM_ISSUER = "https://login.aai.test/"

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
    "ADMIN_ROLES": '["biocommons/role/biocommons/admin"]',
}


def settings(**overrides: str) -> dict[str, str]:
    """The base test settings with some values replaced (None removes a key)."""
    merged = {**BASE_SETTINGS, **overrides}
    return {key: value for key, value in merged.items() if value is not None}


def emulator_settings(server, **overrides: str) -> dict[str, str]:
    """Test settings that point aai at a running Auth0 emulator."""
    pointing = {
        "AUTH0_DOMAIN": server.url,
        "AUTH0_AUDIENCE": server.audience,
        "AUTH0_MANAGEMENT_ID": server.management_client_id,
        "AUTH0_MANAGEMENT_SECRET": server.management_client_secret,
        "AUTH0_ISSUER": TRUSTED_CUSTOM_ISSUER,
        "RECAPTCHA_VERIFY_URL": f"{server.url}/recaptcha/api/siteverify",
    }
    return settings(**{**pointing, **overrides})
