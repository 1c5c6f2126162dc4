"""`/utils`: public helpers of the sign-up and profile pages (20 §9.1–9.4, portal #33–34)."""

from aai.access.bundles import is_australian_research_institution
from aai.accounts.availability import (
    EMAIL_TAKEN,
    USERNAME_TAKEN,
    email_in_auth0,
    email_in_use,
    quietly,
    registration_app,
    username_in_auth0,
    username_in_use,
)
from aai.api.arguments import PortalBlueprint
from aai.api.user_schemas import (
    AvailabilityOut,
    EmailArgs,
    InstitutionOut,
    OutcomeOut,
    RegistrationInfoArgs,
    RegistrationInfoOut,
    UsernameArgs,
    WelcomeEmailIn,
)
from aai.email.welcome import WELCOME_ANSWER, welcome_verified_user
from aai.errors import ErrorSchema
from aai.extensions import db, read_only
from aai.identity.auth0 import auth0_client
from aai.limits import per_address

bp = PortalBlueprint("utils", __name__, url_prefix="/utils", description="Registration helpers")


def availability(taken: bool, field: str, message: str) -> dict:
    field_errors = [{"field": field, "message": message}] if taken else []
    return {"available": not taken, "field_errors": field_errors}


@bp.get("/register/check-username-availability")
@read_only
@per_address("RATELIMIT_AVAILABILITY")
@bp.arguments(UsernameArgs, location="query")
@bp.response(200, AvailabilityOut)
@bp.alt_response(429, schema=ErrorSchema, description="Too many checks.")
def check_username(args):
    """Whether a username is free, in aai (including past usernames) and in Auth0."""
    username = args["username"]
    taken = username_in_use(username) or quietly(username_in_auth0, auth0_client(), username)
    return availability(taken, "username", USERNAME_TAKEN)


@bp.get("/register/check-email-availability")
@read_only
@per_address("RATELIMIT_AVAILABILITY")
@bp.arguments(EmailArgs, location="query")
@bp.response(200, AvailabilityOut)
@bp.alt_response(429, schema=ErrorSchema, description="Too many checks.")
def check_email(args):
    """Whether an email address is free, in aai and in Auth0."""
    email = args["email"].strip()
    taken = email_in_use(email) or quietly(email_in_auth0, auth0_client(), email)
    return availability(taken, "email", EMAIL_TAKEN)


@bp.get("/register/registration-info")
@read_only
@per_address("RATELIMIT_AVAILABILITY")
@bp.arguments(RegistrationInfoArgs, location="query")
@bp.response(200, RegistrationInfoOut)
@bp.alt_response(429, schema=ErrorSchema, description="Too many checks.")
def registration_info(args):
    """Which application a user registered through (`biocommons` when unknown)."""
    return {"app": registration_app(auth0_client(), args["user_email"].strip())}


@bp.get("/register/check-australian-research-institution")
@read_only
@per_address("RATELIMIT_AVAILABILITY")
@bp.arguments(EmailArgs, location="query")
@bp.response(200, InstitutionOut)
@bp.alt_response(429, schema=ErrorSchema, description="Too many checks.")
def check_institution(args):
    """Whether the address belongs to an Australian research institution (its domain, or a
    parent domain, is in AUSTRALIAN_RESEARCH_INSTITUTION_DOMAINS)."""
    return {"is_australian_research_institution": is_australian_research_institution(args["email"])}


@bp.post("/send-welcome-email")
@per_address("RATELIMIT_EMAIL_SENDING")
@bp.arguments(WelcomeEmailIn)
@bp.response(200, OutcomeOut)
@bp.alt_response(429, schema=ErrorSchema, description="Too many requests.")
def send_welcome_email(data):
    """Queue the welcome email once for a verified user; the same answer either way."""
    welcome_verified_user(auth0_client(), data["email"].strip())
    db.session.commit()
    return {"message": WELCOME_ANSWER}
