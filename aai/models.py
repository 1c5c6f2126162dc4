"""The data model: the original's tables, names, types and constraints (decision D4).

Enums are stored by NAME (upper-case labels such as 'APPROVED'); the API uses the lower-case
values. Soft delete is explicit: rows carry `is_deleted`, and queries that should see only live
rows say so with `Model.active()` (no global query filter; see docs/decisions.md).
"""

import enum
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """`timestamptz` that always hands back aware UTC datetimes (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; aai stores timezone-aware UTC times only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class PlatformEnum(enum.Enum):
    GALAXY = "galaxy"
    BPA_DATA_PORTAL = "bpa_data_portal"
    SBP = "sbp"


class ApprovalStatusEnum(enum.Enum):
    APPROVED = "approved"
    PENDING = "pending"
    REVOKED = "revoked"
    REJECTED = "rejected"


class EmailStatusEnum(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# Native PostgreSQL enum types with the original's quoted names; labels are the enum NAMES.
platform_enum = sa.Enum(PlatformEnum, name="PlatformEnum")
approval_status_enum = sa.Enum(ApprovalStatusEnum, name="ApprovalStatusEnum")
email_status_enum = sa.Enum(EmailStatusEnum, name="EmailStatusEnum")


class SoftDeleteMixin:
    """`is_deleted` flag with its index, and explicit helpers instead of global query magic."""

    is_deleted: Mapped[bool] = mapped_column(default=False, server_default=sa.false(), index=True)

    @classmethod
    def active(cls):
        """Criterion selecting rows that are not soft-deleted."""
        return cls.is_deleted.is_(False)

    def soft_delete(self) -> None:
        self.is_deleted = True

    def restore(self) -> None:
        self.is_deleted = False


def user_fk(**kwargs) -> sa.ForeignKey:
    return sa.ForeignKey("biocommons_user.id", **kwargs)


class BiocommonsUser(SoftDeleteMixin, Base):
    __tablename__ = "biocommons_user"
    __table_args__ = (
        sa.Index("ix_biocommons_user_email_verified_deleted", "email_verified", "is_deleted"),
        # aai additions for the admin lists (migration c41d7a9e2b56): live users in id order,
        # and a trigram index for substring search on the email (a plain b-tree on SQLite).
        sa.Index(
            "ix_biocommons_user_live_id",
            "id",
            postgresql_include=["email_verified"],
            postgresql_where=sa.text("is_deleted IS false"),
            sqlite_where=sa.text("is_deleted IS 0"),
        ),
        # Live unverified users in id order: the lists' `email_verified=false` and the
        # `unverified` count without visiting the 90 % verified (migration 4b7e2d9a6c15).
        sa.Index(
            "ix_biocommons_user_live_unverified",
            "id",
            postgresql_where=sa.text("email_verified IS false AND is_deleted IS false"),
            sqlite_where=sa.text("email_verified IS 0 AND is_deleted IS 0"),
        ),
        # Deleted users' ids: the totals subtract their memberships (migration 7e1c4a9d3b58).
        sa.Index(
            "ix_biocommons_user_deleted_id",
            "id",
            postgresql_where=sa.text("is_deleted IS true"),
            sqlite_where=sa.text("is_deleted IS 1"),
        ),
        sa.Index(
            "ix_biocommons_user_email_trgm",
            "email",
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        ),
    )

    id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String, unique=True)
    username: Mapped[str] = mapped_column(sa.String, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deletion_reason: Mapped[str | None] = mapped_column(sa.String)
    deleted_by_id: Mapped[str | None] = mapped_column(sa.String, user_fk())

    platform_memberships: Mapped[list["PlatformMembership"]] = relationship(
        back_populates="user", foreign_keys="PlatformMembership.user_id"
    )
    group_memberships: Mapped[list["GroupMembership"]] = relationship(
        back_populates="user", foreign_keys="GroupMembership.user_id"
    )
    history: Mapped[list["BiocommonsUserHistory"]] = relationship(
        foreign_keys="BiocommonsUserHistory.user_id",
        order_by="BiocommonsUserHistory.updated_at.desc()",
        viewonly=True,
    )
    deleted_by: Mapped["BiocommonsUser | None"] = relationship(remote_side=[id])

    def mark_deleted(self, by: "BiocommonsUser | None", reason: str | None) -> None:
        """Soft-delete, recording when, by whom (None: automatically) and why."""
        self.soft_delete()
        self.deleted_at = utc_now()
        self.deleted_by_id = by.id if by is not None else None
        self.deletion_reason = reason

    def mark_restored(self) -> None:
        """Live again. The deletion columns describe a current deletion, so they are cleared;
        the deletion itself stays in the user's history."""
        self.restore()
        self.deleted_at = self.deleted_by_id = self.deletion_reason = None


# Username and email in one text: a substring of either is a substring of this, so a trigram
# index on it (migration d5a8f3b61c09) narrows an "either contains" search in one index scan.
USER_SEARCH_TEXT = BiocommonsUser.username + sa.literal_column("' '") + BiocommonsUser.email
sa.Index(
    "ix_biocommons_user_search_trgm",
    USER_SEARCH_TEXT.label("search_text"),
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
)


class BiocommonsUserHistory(SoftDeleteMixin, Base):
    """Append-only snapshot of a user before a change (email, username, deletion...)."""

    __tablename__ = "biocommonsuserhistory"
    __table_args__ = (sa.Index("ix_user_id_time", "user_id", "updated_at"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(sa.String, user_fk())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by_id: Mapped[str | None] = mapped_column(sa.String, user_fk())
    email: Mapped[str | None] = mapped_column(sa.String)
    username: Mapped[str | None] = mapped_column(sa.String, index=True)
    change: Mapped[str | None] = mapped_column(sa.String)
    reason: Mapped[str | None] = mapped_column(sa.String)


class Auth0Role(SoftDeleteMixin, Base):
    """Mirror of an Auth0 role; `name` is not unique in Auth0, so not here either."""

    __tablename__ = "auth0role"
    __table_args__ = (sa.UniqueConstraint("id", name="uq_auth0role_id"),)

    id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String)
    description: Mapped[str] = mapped_column(sa.String, default="")


class BiocommonsGroup(SoftDeleteMixin, Base):
    """A group ("bundle"); its id is the Auth0 role name, e.g. `biocommons/group/tsi`."""

    __tablename__ = "biocommonsgroup"
    __table_args__ = (sa.UniqueConstraint("group_id", name="uq_biocommonsgroup_group_id"),)

    group_id: Mapped[str] = mapped_column(sa.String, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, unique=True)
    short_name: Mapped[str] = mapped_column(sa.String, unique=True)

    admin_roles: Mapped[list[Auth0Role]] = relationship(
        secondary="grouprolelink",
        primaryjoin="and_(BiocommonsGroup.group_id == GroupRoleLink.group_id, "
        "GroupRoleLink.is_deleted.is_(False))",
        secondaryjoin="and_(Auth0Role.id == GroupRoleLink.role_id, "
        "Auth0Role.is_deleted.is_(False))",
        viewonly=True,
    )


class GroupRoleLink(SoftDeleteMixin, Base):
    """Links a group to an Auth0 role whose holders administer the group."""

    __tablename__ = "grouprolelink"

    group_id: Mapped[str] = mapped_column(
        sa.String, sa.ForeignKey("biocommonsgroup.group_id"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(sa.String, sa.ForeignKey("auth0role.id"), primary_key=True)


class Platform(SoftDeleteMixin, Base):
    __tablename__ = "platform"
    __table_args__ = (sa.UniqueConstraint("id", name="uq_platform_id"),)

    id: Mapped[PlatformEnum] = mapped_column(platform_enum, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String, unique=True)
    # The Auth0 role that grants access to the platform (`biocommons/platform/<id>`).
    role_id: Mapped[str | None] = mapped_column(
        sa.String, sa.ForeignKey("auth0role.id", ondelete="SET NULL")
    )

    role: Mapped[Auth0Role | None] = relationship()
    admin_roles: Mapped[list[Auth0Role]] = relationship(
        secondary="platformrolelink",
        primaryjoin="and_(Platform.id == PlatformRoleLink.platform_id, "
        "PlatformRoleLink.is_deleted.is_(False))",
        secondaryjoin="and_(Auth0Role.id == PlatformRoleLink.role_id, "
        "Auth0Role.is_deleted.is_(False))",
        viewonly=True,
    )


class PlatformRoleLink(SoftDeleteMixin, Base):
    """Links a platform to an Auth0 role whose holders administer the platform."""

    __tablename__ = "platformrolelink"

    platform_id: Mapped[PlatformEnum] = mapped_column(
        platform_enum, sa.ForeignKey("platform.id"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(sa.String, sa.ForeignKey("auth0role.id"), primary_key=True)


class PlatformMembership(SoftDeleteMixin, Base):
    """Current state of one user's access to one platform."""

    __tablename__ = "platformmembership"
    __table_args__ = (
        sa.UniqueConstraint("platform_id", "user_id", name="platform_user_id_platform_id"),
        sa.Index(
            "ix_platformmembership_user_platform_deleted", "user_id", "platform_id", "is_deleted"
        ),
        # aai additions for the admin lists (migration c41d7a9e2b56).
        sa.Index(
            "ix_platformmembership_live_platform_user",
            "platform_id",
            "user_id",
            postgresql_include=["approval_status"],
            postgresql_where=sa.text("is_deleted IS false"),
            sqlite_where=sa.text("is_deleted IS 0"),
        ),
        sa.Index(
            "ix_platformmembership_live_platform_status_user",
            "platform_id",
            "approval_status",
            "user_id",
            postgresql_where=sa.text("is_deleted IS false"),
            sqlite_where=sa.text("is_deleted IS 0"),
        ),
        # Counts per platform and status, deduplicated by PostgreSQL (migration 4b7e2d9a6c15).
        sa.Index(
            "ix_platformmembership_live_platform_status",
            "platform_id",
            "approval_status",
            postgresql_where=sa.text("is_deleted IS false"),
            sqlite_where=sa.text("is_deleted IS 0"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    platform_id: Mapped[PlatformEnum] = mapped_column(platform_enum, sa.ForeignKey("platform.id"))
    user_id: Mapped[str] = mapped_column(sa.String, user_fk())
    approval_status: Mapped[ApprovalStatusEnum] = mapped_column(approval_status_enum)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by_id: Mapped[str | None] = mapped_column(sa.String, user_fk())  # None: automatic
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(1024))
    request_reason: Mapped[str | None] = mapped_column(sa.String(255))
    # aai addition (portal contract): why an admin rejected the request.
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(255))

    platform: Mapped[Platform] = relationship()
    user: Mapped[BiocommonsUser] = relationship(
        back_populates="platform_memberships", foreign_keys=[user_id]
    )
    updated_by: Mapped[BiocommonsUser | None] = relationship(foreign_keys=[updated_by_id])


class PlatformMembershipHistory(SoftDeleteMixin, Base):
    """Append-only log of platform membership states (no FK to platform, as the original)."""

    __tablename__ = "platformmembershiphistory"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    platform_id: Mapped[PlatformEnum] = mapped_column(platform_enum)
    user_id: Mapped[str] = mapped_column(sa.String, user_fk())
    approval_status: Mapped[ApprovalStatusEnum] = mapped_column(approval_status_enum)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by_id: Mapped[str | None] = mapped_column(sa.String, user_fk())
    reason: Mapped[str | None] = mapped_column(sa.String(1024))


class GroupMembership(SoftDeleteMixin, Base):
    """Current state of one user's membership of one group."""

    __tablename__ = "groupmembership"
    __table_args__ = (
        sa.UniqueConstraint("group_id", "user_id", name="user_group_pairing"),
        sa.Index("ix_groupmembership_user_group_deleted", "user_id", "group_id", "is_deleted"),
        # aai addition for the admin lists (migration c41d7a9e2b56).
        sa.Index(
            "ix_groupmembership_live_group_status_user",
            "group_id",
            "approval_status",
            "user_id",
            postgresql_where=sa.text("is_deleted IS false"),
            sqlite_where=sa.text("is_deleted IS 0"),
        ),
        # Counts per group and status (migration 4b7e2d9a6c15).
        sa.Index(
            "ix_groupmembership_live_group_status",
            "group_id",
            "approval_status",
            postgresql_where=sa.text("is_deleted IS false"),
            sqlite_where=sa.text("is_deleted IS 0"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    group_id: Mapped[str] = mapped_column(sa.String, sa.ForeignKey("biocommonsgroup.group_id"))
    user_id: Mapped[str] = mapped_column(sa.String, user_fk())
    approval_status: Mapped[ApprovalStatusEnum] = mapped_column(approval_status_enum)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by_id: Mapped[str | None] = mapped_column(sa.String, user_fk())  # None: automatic
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(1024))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(255))
    request_reason: Mapped[str | None] = mapped_column(sa.String(255))
    # aai addition (portal contract): when the user last asked to join.
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[BiocommonsGroup] = relationship()
    user: Mapped[BiocommonsUser] = relationship(
        back_populates="group_memberships", foreign_keys=[user_id]
    )
    updated_by: Mapped[BiocommonsUser | None] = relationship(foreign_keys=[updated_by_id])


class GroupMembershipHistory(SoftDeleteMixin, Base):
    """Append-only log of group membership states."""

    __tablename__ = "groupmembershiphistory"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    group_id: Mapped[str] = mapped_column(sa.String, sa.ForeignKey("biocommonsgroup.group_id"))
    user_id: Mapped[str] = mapped_column(sa.String, user_fk())
    approval_status: Mapped[ApprovalStatusEnum] = mapped_column(approval_status_enum)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_by_id: Mapped[str | None] = mapped_column(sa.String, user_fk())
    reason: Mapped[str | None] = mapped_column(sa.String(1024))


class EmailNotification(Base):
    """Transactional outbox: written with the change that causes it, delivered by the worker."""

    __tablename__ = "emailnotification"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    to_address: Mapped[str] = mapped_column(sa.String, index=True)
    from_address: Mapped[str] = mapped_column(sa.String, index=True)
    subject: Mapped[str] = mapped_column(sa.String)
    body_html: Mapped[str] = mapped_column(sa.Text)
    # aai addition: the plain-text alternative, sent with the HTML (multipart email).
    body_text: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[EmailStatusEnum] = mapped_column(
        email_status_enum, default=EmailStatusEnum.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(1024))
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Time of the FIRST delivery attempt, despite the name (kept from the original).
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class EmailChangeOtp(Base):
    """A one-time code sent to a new address during a self-service email change."""

    __tablename__ = "email_change_otps"

    id: Mapped[str] = mapped_column(
        sa.String(36), primary_key=True, default=lambda: str(uuid.uuid4())
    )
    user_id: Mapped[str] = mapped_column(sa.String(255), user_fk())
    target_email: Mapped[str] = mapped_column(sa.String(320))
    otp_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    total_attempts: Mapped[int] = mapped_column(default=0, server_default="0")


class CacheVersion(Base):
    """aai addition (migration f3a9c6e2d417): one row (id 1) whose `version` changes, by trigger,
    with every committed write to a table that a cached answer reads (aai.caching)."""

    __tablename__ = "aai_cache_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger)
    # Migration b5d2f8e1c7a4: changes with `version`, but only when a transaction changed who
    # is a live member of what, or which users are live and verified.
    roster_version: Mapped[int] = mapped_column(sa.BigInteger, server_default="1")


class CacheVersionBump(Base):
    """aai addition (PostgreSQL): the transactions that wrote a cached table and have not yet
    committed; a deferred trigger changes the version at COMMIT and removes the row."""

    __tablename__ = "aai_cache_version_bump"

    transaction_id: Mapped[int] = mapped_column(
        sa.BigInteger, primary_key=True, autoincrement=False
    )
    roster: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())


class Auth0PendingCheck(Base):
    """aai addition (migration 8c2e5b7a1f93, issue 14): a change Auth0 may or may not have
    applied (sent, then no answer). The request that tried it answered 503 and rolled back; the
    worker's `reconcile_auth0_outcomes` job re-reads the user from Auth0 within minutes, brings
    the database in line and deletes the row. `email` names the user when Auth0 never told aai
    their id (a timed-out creation)."""

    __tablename__ = "auth0_pending_check"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str | None] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    action: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class DashboardSession(Base):
    """aai addition (migration 9d1e4b7c2a60): a dashboard login, held server-side so that
    logging out ends it even for a copy of the cookie. The cookie carries a random id; only its
    SHA-256 is stored. `user_id` is the Auth0 subject, without a foreign key: an admin may log
    in before the sync has brought their row. No index but the key: the table holds only the
    logins of the last hours."""

    __tablename__ = "dashboard_session"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
