"""reCAPTCHA verification (20 §3.7), against a configurable verify URL (Google's by default)."""

import httpx
from flask import current_app

from aai.errors import ServiceUnavailableError


def verify_recaptcha(response_token: str) -> bool:
    """Whether the verify service accepts the token; 503 when it cannot be asked."""
    config = current_app.config
    form = {"secret": config["RECAPTCHA_SECRET"], "response": response_token}
    try:
        reply = httpx.post(
            config["RECAPTCHA_VERIFY_URL"], data=form, timeout=config["AUTH0_TIMEOUT_SECONDS"]
        )
        reply.raise_for_status()
        return reply.json().get("success") is True
    except (httpx.HTTPError, ValueError) as error:
        current_app.logger.warning("reCAPTCHA verification failed: %s", error)
        raise ServiceUnavailableError(
            "reCAPTCHA verification is unavailable. Please try again."
        ) from error
