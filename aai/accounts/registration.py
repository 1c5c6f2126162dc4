"""Sign-up (20 §8): BioCommons registration with bundles, and SBP registration.

Order of the steps, the one order of `aai.consistency` but for step 2, which must come first
because the Auth0 user id is the database row's key (docs/decisions.md):

1. every check and every Auth0 *read* first (availability, bundle groups, admins to notify,
   the role ids of the default platforms), so most failures happen before anything is written;
2. create the Auth0 user;
3. write the database rows and the outbox emails (flushed), then give the Auth0 roles;
4. the view commits inside `removed_on_failure`.

If anything in 3–4 fails, `removed_on_failure` (a `compensated` block) deletes the Auth0 user
it just created (and, when Auth0 cannot delete it, blocks it and flags it
`registration_incomplete`), so no usable Auth0 account is left without its database row.
"""

import logging
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.exc import IntegrityError

from aai.access.bundles import BUNDLES, DEFAULT_PLATFORMS, Bundle, email_domain
from aai.access.group_requests import (
    REQUESTED,
    Contact,
    GroupRequest,
    check_bundle_allowed,
    find_group,
    group_admin_contacts,
    platform_admin_contacts,
    queue_request_emails,
)
from aai.access.memberships import create_group_membership, create_platform_membership
from aai.access.roles import platform_access_role_id, role_id_by_name
from aai.accounts.availability import (
    email_in_auth0,
    email_in_use,
    quietly,
    taken_error,
    username_in_auth0,
    username_in_use,
)
from aai.consistency import compensated
from aai.email.outbox import queue_email
from aai.errors import ApiError, FormError, ServiceUnavailableError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client, Auth0RequestRejectedError
from aai.identity.recaptcha import verify_recaptcha
from aai.models import ApprovalStatusEnum, BiocommonsGroup, BiocommonsUser, Platform, PlatformEnum

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewAccount:
    first_name: str
    last_name: str
    email: str
    username: str
    password: str = field(repr=False)
    registration_from: str = "biocommons"
    user_metadata: dict | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def auth0_fields(self, connection: str) -> dict:
        return {
            "email": self.email,
            "email_verified": False,
            "password": self.password,
            "connection": connection,
            "username": self.username,
            "name": self.name,
            "given_name": self.first_name,
            "family_name": self.last_name,
            "app_metadata": {"registration_from": self.registration_from},
            "user_metadata": self.user_metadata,
        }


@dataclass(frozen=True)
class BundlePlan:
    bundle: Bundle
    group: BiocommonsGroup
    reason: str | None
    admins: list[Contact]
    role_id: str | None  # the group's role, for a bundle whose group is approved at once


@dataclass(frozen=True)
class Plan:
    account: NewAccount
    bundles: list[BundlePlan] = field(default_factory=list)
    platforms: tuple[PlatformEnum, ...] = ()
    platform_status: ApprovalStatusEnum = ApprovalStatusEnum.APPROVED
    platform_reason: str | None = None
    role_ids: list[str] = field(default_factory=list)
    admins: list[Contact] = field(default_factory=list)  # SBP: the platform's admins


# --- step 1: checks and reads ------------------------------------------------------------------


def check_recaptcha(token: str | None) -> None:
    if not token:
        raise FormError("Recaptcha token is required")
    if not verify_recaptcha(token):
        raise FormError("Invalid recaptcha token, please try again")


def check_available(account: NewAccount) -> None:
    """Refuse before Auth0 is called when aai already knows the username or email."""
    username_taken = username_in_use(account.username)
    email_taken = email_in_use(account.email)
    if username_taken or email_taken:
        raise taken_error(username_taken, email_taken)


def plan_biocommons(auth0: Auth0Client, account: NewAccount, choices: list[dict]) -> Plan:
    check_available(account)
    bundles = [_plan_bundle(auth0, account, choice) for choice in choices]
    platforms = DEFAULT_PLATFORMS + tuple(
        platform for plan in bundles for platform in plan.bundle.extra_platforms
    )
    platforms = tuple(dict.fromkeys(platforms))
    role_ids = [platform_access_role_id(auth0, _platform(platform)) for platform in platforms]
    role_ids += [plan.role_id for plan in bundles if plan.role_id]
    return Plan(account, bundles=bundles, platforms=platforms, role_ids=role_ids)


def _plan_bundle(auth0: Auth0Client, account: NewAccount, choice: dict) -> BundlePlan:
    bundle = BUNDLES[choice["bundle_id"]]
    try:
        group = find_group(bundle.group_id)
    except ApiError:
        raise FormError(f"The {bundle.id} bundle is not available at the moment.") from None
    try:
        check_bundle_allowed(group, account.email)
    except ApiError as error:
        raise FormError(error.detail) from None
    if bundle.group_auto_approve:
        return BundlePlan(
            bundle, group, choice["reason"], [], role_id_by_name(auth0, group.group_id)
        )
    return BundlePlan(bundle, group, choice["reason"], group_admin_contacts(auth0, group), None)


def _platform(platform_id: PlatformEnum) -> Platform:
    platform = db.session.get(Platform, platform_id)
    if platform is None or platform.is_deleted:
        raise ServiceUnavailableError(f"Platform {platform_id.value} is not configured.")
    return platform


def plan_sbp(auth0: Auth0Client, account: NewAccount, reason: str) -> Plan:
    allowed = [domain.lower() for domain in current_app.config["SBP_ALLOWED_EMAIL_DOMAINS"]]
    if email_domain(account.email) not in allowed:
        raise FormError(
            "Email domain not approved for SBP registration. Please use an email from an "
            f"approved domain: {', '.join(current_app.config['SBP_ALLOWED_EMAIL_DOMAINS'])}."
        )
    check_available(account)
    admins = platform_admin_contacts(auth0, db.session.get(Platform, PlatformEnum.SBP))
    return Plan(
        account,
        platforms=(PlatformEnum.SBP,),
        platform_status=ApprovalStatusEnum.PENDING,
        platform_reason=reason,
        admins=admins,
    )


# --- step 2: the Auth0 user --------------------------------------------------------------------


def create_auth0_user(auth0: Auth0Client, account: NewAccount) -> dict:
    """Create the Auth0 user; Auth0's refusals become the original's 400 answers."""
    fields = account.auth0_fields(current_app.config["AUTH0_DB_CONNECTION"])
    try:
        return auth0.create_user(fields)
    except Auth0RequestRejectedError as error:
        if error.status == 409:
            raise taken_error(
                quietly(username_in_auth0, auth0, account.username),
                quietly(email_in_auth0, auth0, account.email),
            ) from error
        raise FormError(f"Auth0 error: {error.detail}") from error


def removed_on_failure(auth0: Auth0Client, auth0_user: dict):
    """Undo the Auth0 user when the rest of the registration fails (then re-raise)."""
    user_id = auth0_user["user_id"]
    return compensated(lambda: _remove_orphan(auth0, user_id), f"registration of {user_id}")


def _remove_orphan(auth0: Auth0Client, user_id: str) -> None:
    try:
        auth0.delete_user(user_id)
        logger.warning("registration of %s failed after Auth0 created it; deleted it", user_id)
        return
    except Exception:  # keep going: blocking is the next best thing
        logger.exception("cannot delete half-registered Auth0 user %s", user_id)
    try:
        flag = {"blocked": True, "app_metadata": {"registration_incomplete": True}}
        auth0.update_user(user_id, flag)
        logger.error("half-registered Auth0 user %s blocked and flagged", user_id)
    except Exception:
        # Last resort: the account stays in Auth0; the next sync adopts it into the database.
        logger.exception("cannot block half-registered Auth0 user %s", user_id)


# --- step 3: database rows, emails, roles ------------------------------------------------------


def store(auth0: Auth0Client, plan: Plan, auth0_user: dict) -> BiocommonsUser:
    """The user, their memberships (with history) and the emails; then the Auth0 roles."""
    user = _add_user(plan.account, auth0_user)
    for platform_id in plan.platforms:
        create_platform_membership(
            user, platform_id, plan.platform_status, request_reason=plan.platform_reason
        )
    for bundle_plan in plan.bundles:
        _store_bundle(user, plan.account, bundle_plan)
    for admin in plan.admins:
        _queue_sbp_notice(admin, plan)
    if plan.role_ids:
        # Last, so every earlier failure leaves no role to take back.
        auth0.add_user_roles(user.id, plan.role_ids)
    return user


def _add_user(account: NewAccount, auth0_user: dict) -> BiocommonsUser:
    user = BiocommonsUser(
        id=auth0_user["user_id"],
        email=auth0_user.get("email") or account.email,
        username=auth0_user.get("username") or account.username,
        email_verified=bool(auth0_user.get("email_verified")),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        # Someone took the username or email since the check (e.g. the sync added them).
        raise taken_error(username_in_use(account.username), email_in_use(account.email)) from None
    return user


def _store_bundle(user: BiocommonsUser, account: NewAccount, plan: BundlePlan) -> None:
    approved = plan.bundle.group_auto_approve
    status = ApprovalStatusEnum.APPROVED if approved else ApprovalStatusEnum.PENDING
    create_group_membership(user, plan.group.group_id, status, request_reason=plan.reason)
    if not approved:
        request = GroupRequest(plan.group, REQUESTED, plan.reason)
        queue_request_emails(
            request, plan.admins, user.email, account.name, account.first_name.strip() or "there"
        )


def _queue_sbp_notice(admin: Contact, plan: Plan) -> None:
    account = plan.account
    queue_email(
        admin.email,
        "sbp_registration_admin",
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email,
        username=account.username,
        reason=plan.platform_reason,
    )
