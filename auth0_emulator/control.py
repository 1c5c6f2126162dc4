"""The control API under `/_emulator/` (JSON in and out), for tests, benchmarks and the README:
reset, mint tokens, inject faults, rotate keys, generate users, read the request and email logs.
"""

import re

from flask import Blueprint, jsonify, request

from auth0_emulator import tokens
from auth0_emulator.errors import OAuthError
from auth0_emulator.faults import Fault
from auth0_emulator.jobs import OUTCOMES
from auth0_emulator.state import current

bp = Blueprint("control", __name__, url_prefix="/_emulator")
DEFAULT_SCOPE = "openid profile email offline_access"
MAX_GENERATED = 1_000_000
_PREFIX = re.compile(r"[a-z0-9_.-]*")


def bad_request(message: str) -> OAuthError:
    return OAuthError(400, "invalid_request", message)


def body() -> dict:
    values = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(values, dict):
        raise bad_request("the body must be a JSON object")
    return values


@bp.get("/info")
def info():
    """The tenant's facts a client needs: URLs, audience, client ids and secrets."""
    emulator = current()
    management = emulator.first_client("non_interactive")
    spa = emulator.first_client("spa")
    dashboard = emulator.first_client("regular_web")
    return jsonify(
        url=emulator.base_url,
        issuer=f"{emulator.base_url}/",
        audience=emulator.audience,
        management_audience=emulator.management_audience,
        connection=emulator.tenant.connection.name,
        roles_claim=emulator.roles_claim,
        recaptcha_pass_token=emulator.seed["recaptcha_pass_token"],
        management_client_id=management and management.client_id,
        management_client_secret=management and management.client_secret,
        spa_client_id=spa and spa.client_id,
        dashboard_client_id=dashboard and dashboard.client_id,
        dashboard_client_secret=dashboard and dashboard.client_secret,
    )


@bp.post("/reset")
def reset():
    """Back to the seed: users, roles, sessions, jobs, faults, logs and the initial keys."""
    current().reset()
    return jsonify(status="reset")


@bp.post("/token")
def token():
    """Mint an access token for a user id or email; `claims` are merged last (null removes)."""
    emulator, values = current(), body()
    if not isinstance(values.get("sub"), str) or not values["sub"]:
        raise bad_request("sub (a user id or email) is required")
    tenant = emulator.tenant
    user = tenant.user(values["sub"]) or tenant.user_by_email(values["sub"])
    roles = values.get("roles")
    if roles is None:
        roles = tenant.role_names(user) if user else []
    lifetime = values.get("expires_in")
    if lifetime is not None and not isinstance(lifetime, int):
        raise bad_request("expires_in must be an integer (negative: already expired)")
    claims = tokens.access_token(
        emulator,
        sub=user.user_id if user else values["sub"],
        client_id=values.get("client_id") or _spa_client_id(),
        scope=values.get("scope", DEFAULT_SCOPE),
        audience=values.get("audience") or emulator.audience,
        roles=list(roles),
        permissions=_permissions(roles),
        lifetime=lifetime,
    )
    claims.update(values.get("claims") or {})
    claims = {key: value for key, value in claims.items() if value is not None}
    access_token = emulator.keys.sign(claims)
    return jsonify(access_token=access_token, token_type="Bearer", claims=claims)  # noqa: S106 - OAuth token type


@bp.post("/faults")
def add_fault():
    """Arm a fault for the next `count` requests matching `method` and `path_prefix`."""
    values = body()
    try:
        fault = Fault(
            method=str(values.get("method", "*")).upper(),
            path_prefix=str(values["path_prefix"]),
            status=_optional_int(values, "status"),
            retry_after=_optional_int(values, "retry_after"),
            delay=float(values["delay"]) if values.get("delay") is not None else None,
            drop=bool(values.get("drop", False)),
            count=int(values.get("count", 1)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise bad_request(f"invalid fault: {error}") from None
    if not (fault.status or fault.delay or fault.drop) or fault.count < 1:
        raise bad_request("a fault needs a status, a delay or drop, and a count of at least 1")
    current().faults.add(fault)
    return jsonify(fault.as_dict()), 201


@bp.get("/faults")
def list_faults():
    """The faults still armed."""
    return jsonify([fault.as_dict() for fault in current().faults.armed()])


@bp.delete("/faults")
def clear_faults():
    """Disarm every fault."""
    current().faults.clear()
    return "", 204


@bp.post("/rotate-keys")
def rotate_keys():
    """Sign with a new key from now on; the old keys stay published until revoked."""
    emulator = current()
    kid = emulator.keys.rotate()
    return jsonify(kid=kid, published=[key["kid"] for key in emulator.keys.jwks()["keys"]])


@bp.post("/revoke-keys")
def revoke_keys():
    """Unpublish every key but the current signing key (tokens they signed stop verifying)."""
    return jsonify(revoked=current().keys.revoke_previous())


@bp.post("/users/generate")
def generate_users():
    """Add `count` users `<prefix><n>@example.org`, each given the listed role names."""
    emulator, values = current(), body()
    count, prefix = values.get("count"), values.get("prefix") or "user"
    if not isinstance(count, int) or not 1 <= count <= MAX_GENERATED:
        raise bad_request(f"count must be an integer from 1 to {MAX_GENERATED}")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise bad_request("prefix may hold lowercase letters, digits, '.', '_' and '-'")
    role_ids = tuple(_role_id(name) for name in values.get("roles") or ())
    users = emulator.generate_users(count, prefix, role_ids)
    return jsonify(
        created=len(users),
        first={"user_id": users[0].user_id, "email": users[0].email},
        last={"user_id": users[-1].user_id, "email": users[-1].email},
        total_users=len(emulator.tenant.users),
    ), 201


@bp.post("/export-behaviour")
def export_behaviour():
    """How the next export jobs behave: polls answered "processing", then the outcome."""
    values, behaviour = body(), current().jobs.behaviour
    outcome = values.get("outcome", "completed")
    polls = values.get("pending_polls", 0)
    if outcome not in OUTCOMES or not isinstance(polls, int) or polls < 0:
        raise bad_request(f"outcome must be one of {OUTCOMES}; pending_polls an integer >= 0")
    behaviour.outcome, behaviour.pending_polls = outcome, polls
    return jsonify(outcome=outcome, pending_polls=polls)


@bp.get("/requests")
def requests_log():
    """The calls received (newest last), optionally filtered by `method` and `path` prefix."""
    recorder = current().recorder
    return jsonify(recorder.requests(request.args.get("method"), request.args.get("path")))


@bp.get("/emails")
def emails():
    """The emails Auth0 would have sent (verification, password change)."""
    return jsonify(current().recorder.emails())


def _optional_int(values: dict, name: str) -> int | None:
    return int(values[name]) if values.get(name) is not None else None


def _spa_client_id() -> str:
    spa = current().first_client("spa")
    return spa.client_id if spa else "emulator"


def _permissions(role_names) -> list[str]:
    tenant = current().tenant
    roles = [tenant.role_by_name(name) for name in role_names]
    return sorted({perm for role in roles if role for perm in role.permissions})


def _role_id(name: str) -> str:
    role = current().tenant.role_by_name(name)
    if role is None:
        raise bad_request(f"unknown role: {name}")
    return role.id
