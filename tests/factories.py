"""Builders for model rows. Each flushes, so the row is visible to requests in the same test."""

import itertools
from datetime import UTC, datetime

from aai.extensions import db
from aai.models import (
    ApprovalStatusEnum,
    Auth0Role,
    BiocommonsGroup,
    BiocommonsUser,
    GroupMembership,
    PlatformEnum,
    PlatformMembership,
)

sequence = itertools.count(1)


def _saved(row):
    db.session.add(row)
    db.session.flush()
    return row


def make_user(**overrides) -> BiocommonsUser:
    number = next(sequence)
    values = {
        "id": f"auth0|user{number:06d}",
        "email": f"user{number}@example.org",
        "username": f"user{number}",
        "email_verified": True,
        "created_at": datetime.now(UTC),
    }
    return _saved(BiocommonsUser(**{**values, **overrides}))


def make_role(**overrides) -> Auth0Role:
    number = next(sequence)
    values = {"id": f"rol_{number:06d}", "name": f"biocommons/role/test{number}/admin"}
    return _saved(Auth0Role(**{**values, **overrides}))


def make_group(**overrides) -> BiocommonsGroup:
    number = next(sequence)
    values = {
        "group_id": f"biocommons/group/test{number}",
        "name": f"Test Group {number}",
        "short_name": f"TG{number}",
    }
    return _saved(BiocommonsGroup(**{**values, **overrides}))


def make_platform_membership(**overrides) -> PlatformMembership:
    values = {
        "platform_id": PlatformEnum.GALAXY,
        "approval_status": ApprovalStatusEnum.APPROVED,
    }
    values.update(overrides)
    if "user" not in values and "user_id" not in values:
        values["user"] = make_user()
    return _saved(PlatformMembership(**values))


def make_group_membership(**overrides) -> GroupMembership:
    values = {"approval_status": ApprovalStatusEnum.PENDING}
    values.update(overrides)
    if "user" not in values and "user_id" not in values:
        values["user"] = make_user()
    if "group" not in values and "group_id" not in values:
        values["group"] = make_group()
    return _saved(GroupMembership(**values))
