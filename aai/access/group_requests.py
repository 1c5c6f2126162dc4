"""Asking to join a group (bundle): the pending membership and the emails that announce it.

Used by `POST /me/groups/request` and by registration with bundles. Only the database changes
here (no Auth0 role is granted until an admin approves), so there is no Auth0 write to order;
Auth0 is only read, to find the group's admins and the requester's name.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import select

from aai.access.bundles import INSTITUTIONAL_EMAIL_REQUIRED, bundle_of_group
from aai.access.bundles import is_australian_research_institution as institutional
from aai.access.memberships import change_group_status, create_group_membership
from aai.email.outbox import first_name, full_name, queue_email
from aai.errors import ApiError, BadRequestError, ConflictError, NotFoundError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client
from aai.identity.permissions import PLATFORM_BUNDLE_GROUPS
from aai.models import (
    ApprovalStatusEnum,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    Platform,
)

logger = logging.getLogger(__name__)

REQUESTED = "requested"
RE_REQUESTED = "re-requested"


@dataclass(frozen=True)
class Contact:
    email: str
    first_name: str


@dataclass(frozen=True)
class GroupRequest:
    group: BiocommonsGroup
    status: str  # REQUESTED or RE_REQUESTED
    reason: str | None

    @property
    def message(self) -> str:
        return f"Group membership for {self.group.group_id} requested successfully."


def find_group(group_id: str) -> BiocommonsGroup:
    group = db.session.get(BiocommonsGroup, group_id)
    if group is None or group.is_deleted:
        raise NotFoundError(f"Group {group_id} not found")
    return group


def check_bundle_allowed(group: BiocommonsGroup, email: str) -> None:
    """Some bundles are for Australian research institutions only (docs/decisions.md)."""
    bundle = bundle_of_group(group.group_id)
    if bundle and bundle.institutional_email_only and not institutional(email):
        raise BadRequestError(INSTITUTIONAL_EMAIL_REQUIRED.format(name=group.name))


def request_group(user: BiocommonsUser, group_id: str, reason: str | None) -> GroupRequest:
    """Create or renew the caller's pending membership; 404/409/400 when it cannot be."""
    group = find_group(group_id)
    check_bundle_allowed(group, user.email)
    membership = db.session.scalars(
        select(GroupMembership).where(
            GroupMembership.user_id == user.id, GroupMembership.group_id == group_id
        )
    ).one_or_none()
    if membership is None:
        create_group_membership(user, group_id, ApprovalStatusEnum.PENDING, request_reason=reason)
        return GroupRequest(group, REQUESTED, reason)
    if membership.is_deleted:
        # The (group, user) pair is unique even among deleted rows: revive the row.
        membership.restore()
        status = REQUESTED
    else:
        _check_can_request_again(membership, group, user)
        status = RE_REQUESTED
    change_group_status(membership, ApprovalStatusEnum.PENDING, by=None, request_reason=reason)
    return GroupRequest(group, status, reason)


def request_groups(
    auth0: Auth0Client, user: BiocommonsUser, items: list[tuple[str, str | None]]
) -> list[GroupRequest]:
    """Request every (group id, reason) or none: the first failure raises, and the view then
    commits nothing. Emails are queued once every membership is in place."""
    requests = [request_group(user, group_id, reason) for group_id, reason in items]
    email, name = requester_identity(auth0, user)
    greeting = first_name(None, name, "there")
    for request in requests:
        queue_request_emails(
            request, group_admin_contacts(auth0, request.group), email, name, greeting
        )
    return requests


def _check_can_request_again(
    membership: GroupMembership, group: BiocommonsGroup, user: BiocommonsUser
) -> None:
    """Only a rejected request may be made again (20 §9.10)."""
    status = membership.approval_status
    if status is ApprovalStatusEnum.REVOKED:
        raise ConflictError(
            f"Your account has been revoked access to {group.name}, please contact support "
            "to access."
        )
    if status is not ApprovalStatusEnum.REJECTED:
        raise ConflictError(f"User {user.id} already has a membership for {group.group_id}")


# --- emails ------------------------------------------------------------------------------------


def group_admin_contacts(auth0: Auth0Client, group: BiocommonsGroup) -> list[Contact]:
    """Who to tell about a request: members of the group's admin roles (and of the admin roles
    of the platform whose bundle it is), deduplicated by email."""
    return role_contacts(auth0, _admin_role_ids(group), group.group_id)


def platform_admin_contacts(auth0: Auth0Client, platform: Platform | None) -> list[Contact]:
    if platform is None or platform.is_deleted:
        return []
    return role_contacts(auth0, [role.id for role in platform.admin_roles], platform.name)


def role_contacts(auth0: Auth0Client, role_ids: list[str], about: str) -> list[Contact]:
    """Members of these roles with an email. Best effort: when Auth0 cannot list them, nobody
    is emailed, and the request still shows on the admin pages."""
    try:
        return _admin_contacts(auth0, role_ids)
    except ApiError as error:
        logger.warning("cannot list the admins of %s: %s", about, error.detail)
        return []


def _admin_role_ids(group: BiocommonsGroup) -> list[str]:
    role_ids = [role.id for role in group.admin_roles]
    platform_ids = [
        platform
        for platform, group_id in PLATFORM_BUNDLE_GROUPS.items()
        if group_id == group.group_id
    ]
    for platform_id in platform_ids:
        platform = db.session.get(Platform, platform_id)
        if platform is not None and not platform.is_deleted:
            role_ids.extend(role.id for role in platform.admin_roles)
    return list(dict.fromkeys(role_ids))


def _admin_contacts(auth0: Auth0Client, role_ids: list[str]) -> list[Contact]:
    contacts: dict[str, Contact] = {}
    for role_id in role_ids:
        for page in auth0.role_member_pages(role_id):
            for member in page:
                contact = _contact(auth0, member)
                if contact is None:
                    continue
                known = contacts.get(contact.email.lower())
                # A real first name beats the "Admin" fallback.
                if known is None or (known.first_name == "Admin" != contact.first_name):
                    contacts[contact.email.lower()] = contact
    return list(contacts.values())


def _contact(auth0: Auth0Client, member: dict) -> Contact | None:
    if not member.get("email") or not (member.get("name") or "").strip():
        member = {**member, **auth0.get_user(member["user_id"])}
    if not member.get("email"):
        return None
    return Contact(
        member["email"], first_name(member.get("given_name"), member.get("name"), "Admin")
    )


def requester_identity(auth0: Auth0Client, user: BiocommonsUser) -> tuple[str, str]:
    """(email, full name) of a requester from Auth0, falling back to the database's email."""
    try:
        record = auth0.get_user(user.id)
    except ApiError as error:
        logger.warning("cannot read requester %s from Auth0: %s", user.id, error.detail)
        return user.email, user.email
    email = record.get("email") or user.email
    name = full_name(record.get("name"), record.get("given_name"), record.get("family_name"), email)
    return email, name


def queue_request_emails(
    request: GroupRequest,
    admins: list[Contact],
    requester_email: str,
    requester_name: str,
    requester_first_name: str,
) -> None:
    """Approval request to each admin, confirmation to the requester (30 §8.4 #4, #5)."""
    for admin in admins:
        queue_email(
            admin.email,
            "group_request_admin",
            admin_first_name=admin.first_name,
            group_name=request.group.name,
            requester_name=requester_name,
            requester_email=requester_email,
            reason=request.reason,
        )
    queue_email(
        requester_email,
        "group_request_received",
        first_name=requester_first_name,
        group_name=request.group.name,
        reason=request.reason,
    )
