"""Sign-up, no bearer token (20 §8): `POST /biocommons/register` always, and
`POST /sbp/register` on its own blueprint, registered only outside production (20 §1.1).

Validation failures answer 400 with the original's `message`/`field_errors` body (plus D2's
`detail`); field errors only for `username` and `email` (the portal's registration trap).
"""

from aai.accounts import registration
from aai.api.arguments import PortalBlueprint
from aai.api.user_schemas import BiocommonsRegistrationIn, RegistrationOut, SbpRegistrationIn
from aai.errors import ErrorSchema
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, auth0_client
from aai.limits import per_address

bp = PortalBlueprint("register", __name__, description="Registration")
sbp_bp = PortalBlueprint(
    "sbp_register", __name__, url_prefix="/sbp", description="SBP registration (not in production)"
)


def account_of(data: dict, **extra) -> registration.NewAccount:
    fields = ("first_name", "last_name", "email", "username", "password")
    return registration.NewAccount(**{name: data[name] for name in fields}, **extra)


def carry_out(auth0: Auth0Client, plan: registration.Plan) -> dict:
    """Steps 2-4 of a registration (`aai.accounts.registration`); the new Auth0 user."""
    auth0_user = registration.create_auth0_user(auth0, plan.account)
    with registration.removed_on_failure(auth0, auth0_user):
        registration.store(auth0, plan, auth0_user)
        db.session.commit()
    return auth0_user


@bp.post("/biocommons/register")
@per_address("RATELIMIT_REGISTRATION")
@bp.arguments(BiocommonsRegistrationIn, error_status_code=400)
@bp.response(200, RegistrationOut)
@bp.alt_response(429, schema=ErrorSchema, description="Too many registrations.")
def register_biocommons(data):
    """Register a BioCommons user: default platforms approved, bundles pending approval."""
    registration.check_recaptcha(data["recaptcha_token"])
    auth0 = auth0_client()
    plan = registration.plan_biocommons(auth0, account_of(data), data["bundles"])
    return {"message": "User registered successfully", "user": carry_out(auth0, plan)}


@sbp_bp.post("/register")
@per_address("RATELIMIT_REGISTRATION")
@sbp_bp.arguments(SbpRegistrationIn, error_status_code=400)
@sbp_bp.response(200, RegistrationOut)
@sbp_bp.alt_response(429, schema=ErrorSchema, description="Too many registrations.")
def register_sbp(data):
    """Register for the Structural Biology Platform (approved email domains; pending)."""
    reason = data["request_reason"]
    account = account_of(
        data,
        registration_from="sbp",
        user_metadata={"sbp": {"registration_reason": reason}},
    )
    auth0 = auth0_client()
    plan = registration.plan_sbp(auth0, account, reason)
    return {
        "message": "User registered successfully. Approval pending.",
        "user": carry_out(auth0, plan),
    }
