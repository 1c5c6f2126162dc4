"""The dashboard's pages (30 §10, D9): one read-only Flask-Admin view per table, behind the
Auth0 login, plus the one write the original offers, "Restore user" on deleted users.

Read-only means the write routes do not exist: create, edit, delete, bulk actions, export and
the AJAX endpoints are left out of every view's blueprint, so their URLs answer 404.
"""

import enum
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, expose, tools
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import (
    BooleanEqualFilter,
    EnumEqualFilter,
    FilterEqual,
    FilterLike,
)
from flask_admin.form import SecureForm
from flask_admin.model.template import EndpointLinkRowAction
from markupsafe import Markup
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from aai.access.authority import AccountAction, Caller, may_act_on_account
from aai.accounts.deletion import restore_account
from aai.admin_lists.queries import AUTOMATIC
from aai.consistency import commit_or_undo
from aai.dashboard.auth import login_redirect, signed_in_user
from aai.dashboard.bad_input import MAX_PAGE, BadListArgumentsError, with_bad_request_pages
from aai.email.delivery import holds_one_time_code
from aai.errors import ApiError, ForbiddenError
from aai.extensions import db
from aai.identity.auth0 import auth0_client
from aai.identity.permissions import NO_LIVE_ACCOUNT, is_live_account
from aai.models import (
    ApprovalStatusEnum,
    Auth0Role,
    BiocommonsGroup,
    BiocommonsUser,
    BiocommonsUserHistory,
    EmailChangeOtp,
    EmailNotification,
    EmailStatusEnum,
    GroupMembership,
    GroupMembershipHistory,
    GroupRoleLink,
    Platform,
    PlatformEnum,
    PlatformMembership,
    PlatformMembershipHistory,
    PlatformRoleLink,
)

# Flask-Admin's view methods that write, act in bulk, export or serve form widgets.
WRITE_ENDPOINTS = frozenset(
    {
        "create_view",
        "edit_view",
        "delete_view",
        "action_view",
        "export",
        "ajax_lookup",
        "ajax_update",
    }
)
USER_RESTORED = "User restored successfully"


# --- how values read on a page


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def user_label(user: BiocommonsUser) -> str:
    """The original's label: the email, marked when the user is deleted."""
    return f"❌ {user.email} (deleted)" if user.is_deleted else user.email


def membership_target(membership: PlatformMembership | GroupMembership) -> str:
    if isinstance(membership, PlatformMembership):
        return membership.platform.name
    return membership.group.name


def membership_label(membership: PlatformMembership | GroupMembership) -> str:
    """The original's label: "{platform or group name} ↔ {user email}"."""
    return f"{membership_target(membership)} ↔ {membership.user.email}"


LABELS: dict[type, Callable[[Any], str]] = {
    BiocommonsUser: user_label,
    Platform: lambda platform: platform.name,
    BiocommonsGroup: lambda group: group.name,
    Auth0Role: lambda role: role.name,
    PlatformMembership: membership_label,
    GroupMembership: membership_label,
}


def display(value) -> str:
    """Any value as text: ISO-8601 UTC times, API enum values, labels for related rows."""
    if value is None:
        return ""
    if isinstance(value, str):  # text, or markup a column formatter built
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple | set):
        return ", ".join(display(item) for item in value)
    label = LABELS.get(type(value))
    return label(value) if label else str(value)


# One formatter for every type, so list and details pages read the same.
TYPE_FORMATTERS = {object: lambda _view, value, _name: display(value)}


def statuses(_view, _context, user: BiocommonsUser, name: str) -> str:
    """A user's memberships with their statuses, e.g. "Galaxy Australia: approved"."""
    items = (
        f"{membership_target(m)}: {display(m.approval_status)}" + (" (deleted)" * m.is_deleted)
        for m in getattr(user, name)
    )
    return "; ".join(items)


def revocation_reason(_view, _context, history, _name) -> str:
    """The reason of a history row, shown only for revocations (30 §4.4)."""
    if history.approval_status is not ApprovalStatusEnum.REVOKED:
        return ""
    return history.reason or ""


ONE_TIME_CODE_HIDDEN = "(hidden: this email holds a one-time code)"


def email_body(view, context, email: EmailNotification, name: str) -> Markup | str:
    """An outbox body as sent, except that a one-time code is never shown."""
    if holds_one_time_code(email):
        return ONE_TIME_CODE_HIDDEN
    return preformatted(view, context, email, name)


def preformatted(_view, _context, model, name) -> Markup:
    return Markup('<pre class="mb-0" style="white-space: pre-wrap">{}</pre>').format(
        getattr(model, name) or ""
    )


def linked_user(_view, _context, row, name: str) -> str:
    """The label of the user a `<name>_id` column points to (tables without a relationship)."""
    user_id = getattr(row, f"{name}_id")
    user = db.session.get(BiocommonsUser, user_id) if user_id else None
    return user_label(user) if user else user_id or ""


def updated_by_label(view, context, row, name: str) -> str:
    """Who made a change; `(automatic)` when nobody did (the sync), as the API says."""
    return linked_user(view, context, row, name) if row.updated_by_id else AUTOMATIC


def target_name(_view, _context, row, name: str) -> str:
    """A history row's platform or group by its name, as the membership pages show it."""
    key = getattr(row, name)
    target: Platform | BiocommonsGroup | None = (
        db.session.get(Platform, key)
        if name == "platform_id"
        else db.session.get(BiocommonsGroup, key)
    )
    return target.name if target else display(key)


def enum_filter(column, name: str, values: type[enum.Enum]) -> EnumEqualFilter:
    return EnumEqualFilter(column, name, options=[(item.name, item.value) for item in values])


class UserEmailFilter(FilterLike):
    """Rows whose user's email contains the text, for tables that only hold the user id."""

    def apply(self, query, value, alias=None):
        users = select(BiocommonsUser.id).where(BiocommonsUser.email.ilike(f"%{value}%"))
        return query.filter(self.get_column(alias).in_(users))


# --- the base view


class LoginRequired:
    """Every page needs a signed-in BioCommons admin with a live account (D16: a deleted or
    blocked admin's login ends with their account); anonymous visitors go to the login.
    Refused input gets a 400 page on every dashboard page."""

    def create_blueprint(self, admin):
        # A mixin: always listed before flask_admin's BaseView, which defines create_blueprint.
        return with_bad_request_pages(super().create_blueprint(admin))  # type: ignore[misc]

    def is_accessible(self) -> bool:
        user = signed_in_user()
        return user is not None and is_live_account(user["sub"])

    def inaccessible_callback(self, name, **kwargs):
        if signed_in_user() is not None:  # not live: a new login would not help
            return abort(403, NO_LIVE_ACCOUNT)
        if request.method in ("GET", "HEAD"):
            return login_redirect()
        return abort(401)


class EmptyForm(SecureForm):
    """Stands in for the create/edit forms no view has (nothing is scaffolded from models)."""


class ReadOnlyModelView(LoginRequired, ModelView):
    """A table's list, search, filters and detail pages; nothing that writes."""

    can_create = can_edit = can_delete = can_export = False
    can_view_details = True
    can_set_page_size = True
    page_size = 50
    page_size_options = (20, 50, 100)
    column_display_pk = True
    form = EmptyForm
    form_base_class = SecureForm
    list_template = "admin/aai_list.html"
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    column_labels = {
        "id": "ID",
        "approval_status": "Status",
        "is_deleted": "Deleted",
        "created_at": "Created at (UTC)",
        "updated_at": "Updated at (UTC)",
        "deleted_at": "Deleted at (UTC)",
        "role_id": "Role ID",
        "group_id": "Group ID",
        "platform_id": "Platform ID",
        "user_id": "User ID",
    }
    # Soft-deletable tables: "hide" deleted rows, "show" them too, or show "only" them.
    deleted_rows = "hide"
    description = ""

    def __init__(self, model, name: str, url: str, category: str | None = None):
        super().__init__(model, db, name=name, category=category, endpoint=f"db_{url}", url=url)

    def _prettify_name(self, name: str) -> str:
        """Column titles in sentence case: "Email verified", "Last error"."""
        return name.replace("_", " ").capitalize()

    def create_blueprint(self, admin):
        # _urls: flask_admin's (untyped) class attribute, narrowed here per instance.
        self._urls = [
            rule
            for rule in type(self)._urls  # type: ignore[misc,has-type]
            if rule[1] not in WRITE_ENDPOINTS
        ]
        return super().create_blueprint(admin)

    def _get_list_extra_args(self):
        """The list page's arguments, refused when no page could honour them."""
        args = super()._get_list_extra_args()
        if not 0 <= args.page <= MAX_PAGE:
            raise BadListArgumentsError(f"There is no page {args.page + 1} of this list.")
        return args

    def get_query(self):
        return self._visible(super().get_query())

    def get_count_query(self):
        return self._visible(super().get_count_query())

    def _visible(self, query):
        if self.deleted_rows == "show" or not hasattr(self.model, "is_deleted"):
            return query
        return query.filter(self.model.is_deleted.is_(self.deleted_rows == "only"))

    def _is_visible(self, row) -> bool:
        if self.deleted_rows == "show" or not hasattr(self.model, "is_deleted"):
            return True
        return row.is_deleted == (self.deleted_rows == "only")

    # Primary keys travel as text in `?id=`: enums by name, UUIDs in their usual form.

    def _pk_names(self) -> tuple[str, ...]:
        key = self._primary_key
        return key if isinstance(key, tuple) else (key,)

    def get_pk_value(self, model) -> str:
        values = (getattr(model, name) for name in self._pk_names())
        return tools.iterencode(v.name if isinstance(v, enum.Enum) else str(v) for v in values)

    def get_one(self, id):
        """The visible row with this key, or None (also for a malformed key)."""
        names, parts = self._pk_names(), tools.iterdecode(id or "")
        if len(parts) != len(names):
            return None
        pairs = zip(names, parts, strict=True)
        try:
            key = tuple(_parse(getattr(self.model, name), part) for name, part in pairs)
        except (KeyError, ValueError):
            return None
        row = db.session.get(self.model, key)
        return row if row is not None and self._is_visible(row) else None


def _parse(attribute, text: str):
    python_type = attribute.property.columns[0].type.python_type
    if issubclass(python_type, enum.Enum):
        return python_type[text]
    if python_type is uuid.UUID:
        return uuid.UUID(text)
    return text


class UserIdColumns:
    """For history tables, which hold user ids without ORM relationships: the `user` and
    `updated_by` columns show user labels, loaded for a whole page in one query."""

    column_formatters: dict[str, Callable[..., str]] = {
        "user": linked_user,
        "updated_by": updated_by_label,
    }

    def get_list(self, *args, **kwargs):
        # A mixin: always listed before flask_admin's ModelView, which defines get_list.
        count, rows = super().get_list(*args, **kwargs)  # type: ignore[misc]
        ids = {row.user_id for row in rows} | {row.updated_by_id for row in rows}
        ids.discard(None)
        # Held on `g` so the session's identity map keeps them: `linked_user` then hits it.
        g.db_admin_users = db.session.scalars(
            select(BiocommonsUser).where(BiocommonsUser.id.in_(ids))
        ).all()
        return count, rows


class DashboardIndexView(LoginRequired, AdminIndexView):
    """The home page: what each table holds."""

    @expose("/")
    def index(self):
        tables = [view for view in self.admin._views if isinstance(view, ReadOnlyModelView)]
        return self.render("admin/aai_index.html", tables=tables)


# --- the tables


class UserView(ReadOnlyModelView):
    description = "Live users (Auth0 user id, email, username, verification)."
    column_list = ["email", "email_verified", "username", "created_at", "id"]
    column_details_list = [
        "id",
        "email",
        "username",
        "email_verified",
        "created_at",
        "platform_memberships",
        "group_memberships",
    ]
    column_labels = {
        **ReadOnlyModelView.column_labels,
        "platform_memberships": "Platforms",
        "group_memberships": "Groups",
    }
    column_formatters_detail = {"platform_memberships": statuses, "group_memberships": statuses}
    column_searchable_list = ["email", "username", "id"]
    column_filters = ["email_verified"]
    column_default_sort = ("created_at", True)


class DeletedUserView(ReadOnlyModelView):
    description = "Soft-deleted users, with who deleted them and why; restore them from here."
    deleted_rows = "only"
    column_list = ["email", "username", "deleted_at", "deleted_by", "deletion_reason"]
    column_details_list = [
        "id",
        "email",
        "username",
        "email_verified",
        "created_at",
        "deleted_at",
        "deleted_by",
        "deletion_reason",
    ]
    column_sortable_list = ["email", "username", "deleted_at"]
    column_searchable_list = ["email", "username", "id"]
    column_default_sort = ("deleted_at", True)
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-undo", ".restore_view", title="Restore user")
    ]

    @expose("/restore/", methods=("GET", "POST"))
    def restore_view(self):
        """A deleted user, a reason and a CSRF-protected button that restores them."""
        user_id = request.args.get("id", "")
        user = self.get_one(user_id)
        if user is None:
            abort(404, f"User {user_id} not found")
        form = RestoreUserForm(request.form if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            if form.validate():
                error = self._restore(user, form.reason.data.strip())
                if error is None:
                    flash(USER_RESTORED, "success")
                    return redirect(url_for("db_user.details_view", id=user.id))
                form.reason.errors = [*form.reason.errors, error.detail]
                status = error.status
            else:
                status = 400
        return self.render("admin/aai_restore_user.html", user=user, form=form), status

    def _restore(self, user: BiocommonsUser, reason: str) -> ApiError | None:
        admin = signed_in_user()
        restorer = db.session.get(BiocommonsUser, admin["sub"]) if admin else None
        if restorer is None or restorer.is_deleted:
            return ForbiddenError(
                "Your account is not (or no longer) in aai's database, so the restoration "
                "cannot be recorded. Wait for the next Auth0 sync and try again."
            )
        auth0 = auth0_client()
        try:
            caller = Caller.dashboard_admin(restorer)
            may_act_on_account(auth0, caller, user, AccountAction.RESTORE)
            # A savepoint, so that a failure (Auth0 refusing or down) undoes the restore and
            # nothing else: the page is shown again with the user still deleted.
            with db.session.begin_nested():
                undo = restore_account(auth0, user, by=restorer, reason=reason)
        except ApiError as error:
            return error
        commit_or_undo(undo, f"restoration of {user.id}")
        return None


class RestoreUserForm(SecureForm):
    reason = TextAreaField(
        "Reason",
        validators=[
            DataRequired(message="Say why the user is restored."),
            Length(max=1024),
        ],
    )


class UserHistoryView(UserIdColumns, ReadOnlyModelView):
    description = "Snapshots of users before each change: email, username, deletion, restoration."
    column_list = ["user", "updated_at", "updated_by", "email", "username", "change", "reason"]
    column_details_list = ["id", "user_id", *column_list]
    column_sortable_list = ["updated_at", "email", "username", "change"]
    column_searchable_list = ["email", "username", "user_id"]
    column_filters = [
        UserEmailFilter(BiocommonsUserHistory.user_id, "User email"),
        FilterEqual(BiocommonsUserHistory.change, "Change"),
    ]
    column_default_sort = ("updated_at", True)


class PlatformView(ReadOnlyModelView):
    description = "Platforms, their Auth0 access role and admin roles."
    column_list = ["id", "name", "role", "role_id", "admin_roles"]
    column_labels = {
        **ReadOnlyModelView.column_labels,
        "role": "Platform role",
        "admin_roles": "Admin roles",
    }
    column_sortable_list = ["id", "name", "role_id"]
    column_searchable_list = ["name"]
    column_default_sort = "name"


class MembershipView(ReadOnlyModelView):
    """Memberships and their histories show deleted rows and deleted users, as the original."""

    deleted_rows = "show"
    column_searchable_list = ["user.email", "user.username", "user_id"]
    column_default_sort = ("updated_at", True)
    column_labels = {
        **ReadOnlyModelView.column_labels,
        "user.email": "User email",
        "user.username": "Username",
    }


class PlatformMembershipView(MembershipView):
    description = "Each user's access to each platform, with its status."
    column_list = ["platform", "user", "approval_status", "updated_at", "is_deleted", "id"]
    column_details_list = [
        "id",
        "platform",
        "user",
        "approval_status",
        "request_reason",
        "revocation_reason",
        "rejection_reason",
        "updated_at",
        "updated_by",
        "is_deleted",
    ]
    column_sortable_list = [
        ("platform", "platform.name"),
        ("user", "user.email"),
        "approval_status",
        "updated_at",
    ]
    column_filters = [
        enum_filter(PlatformMembership.platform_id, "Platform", PlatformEnum),
        enum_filter(PlatformMembership.approval_status, "Status", ApprovalStatusEnum),
        BooleanEqualFilter(PlatformMembership.is_deleted, "Deleted"),
    ]


class PlatformMembershipHistoryView(UserIdColumns, MembershipView):
    description = "Every state platform memberships have been in."
    column_list = [
        "platform_id",
        "user",
        "approval_status",
        "revocation_reason",
        "updated_at",
        "updated_by",
        "id",
    ]
    column_details_list = [*column_list, "is_deleted"]
    column_labels = {
        **MembershipView.column_labels,
        "platform_id": "Platform",
        "revocation_reason": "Revocation reason",
    }
    column_formatters = {
        **UserIdColumns.column_formatters,
        "platform_id": target_name,
        "revocation_reason": revocation_reason,
    }
    column_searchable_list = ["user_id"]
    column_sortable_list = ["platform_id", "user_id", "approval_status", "updated_at"]
    column_filters = [
        UserEmailFilter(PlatformMembershipHistory.user_id, "User email"),
        enum_filter(PlatformMembershipHistory.platform_id, "Platform", PlatformEnum),
        enum_filter(PlatformMembershipHistory.approval_status, "Status", ApprovalStatusEnum),
        BooleanEqualFilter(PlatformMembershipHistory.is_deleted, "Deleted"),
    ]


class GroupView(ReadOnlyModelView):
    description = "Groups (bundles), keyed by their Auth0 role name, and their admin roles."
    column_list = ["group_id", "name", "short_name", "admin_roles"]
    column_labels = {**ReadOnlyModelView.column_labels, "admin_roles": "Admin roles"}
    column_sortable_list = ["group_id", "name", "short_name"]
    column_searchable_list = ["group_id", "name", "short_name"]
    column_default_sort = "name"


class GroupMembershipView(MembershipView):
    description = "Each user's membership of each group, with its status."
    column_list = ["group", "user", "approval_status", "updated_at", "is_deleted", "id"]
    column_details_list = [
        "id",
        "group",
        "user",
        "approval_status",
        "request_reason",
        "requested_at",
        "revocation_reason",
        "rejection_reason",
        "updated_at",
        "updated_by",
        "is_deleted",
    ]
    column_labels = {**MembershipView.column_labels, "requested_at": "Requested at (UTC)"}
    column_sortable_list = [
        ("group", "group.name"),
        ("user", "user.email"),
        "approval_status",
        "updated_at",
    ]
    column_filters = [
        FilterEqual(GroupMembership.group_id, "Group ID"),
        enum_filter(GroupMembership.approval_status, "Status", ApprovalStatusEnum),
        BooleanEqualFilter(GroupMembership.is_deleted, "Deleted"),
    ]


class GroupMembershipHistoryView(UserIdColumns, MembershipView):
    description = "Every state group memberships have been in."
    column_list = [
        "group_id",
        "user",
        "approval_status",
        "revocation_reason",
        "updated_at",
        "updated_by",
        "id",
    ]
    column_details_list = [*column_list, "is_deleted"]
    column_labels = {
        **MembershipView.column_labels,
        "group_id": "Group",
        "revocation_reason": "Revocation reason",
    }
    column_formatters = {
        **UserIdColumns.column_formatters,
        "group_id": target_name,
        "revocation_reason": revocation_reason,
    }
    column_searchable_list = ["user_id", "group_id"]
    column_sortable_list = ["group_id", "user_id", "approval_status", "updated_at"]
    column_filters = [
        UserEmailFilter(GroupMembershipHistory.user_id, "User email"),
        FilterEqual(GroupMembershipHistory.group_id, "Group ID"),
        enum_filter(GroupMembershipHistory.approval_status, "Status", ApprovalStatusEnum),
        BooleanEqualFilter(GroupMembershipHistory.is_deleted, "Deleted"),
    ]


class RoleView(ReadOnlyModelView):
    description = "The Auth0 roles aai knows about."
    column_list = ["id", "name", "description"]
    column_searchable_list = ["id", "name", "description"]
    column_default_sort = "name"


class RoleLinkView(ReadOnlyModelView):
    """The admin-role links behind "Admin roles" on platforms and groups, deleted ones too."""

    deleted_rows = "show"
    column_searchable_list = ["role_id"]
    column_filters = ["is_deleted"]


class PlatformRoleLinkView(RoleLinkView):
    description = "Which Auth0 roles administer which platform."
    column_list = ["platform_id", "role_id", "is_deleted"]
    column_default_sort = "platform_id"


class GroupRoleLinkView(RoleLinkView):
    description = "Which Auth0 roles administer which group."
    column_list = ["group_id", "role_id", "is_deleted"]
    column_searchable_list = ["group_id", "role_id"]
    column_default_sort = "group_id"


class EmailChangeOtpView(ReadOnlyModelView):
    description = "Codes sent to new addresses during self-service email changes (no codes shown)."
    column_list = ["target_email", "created_at", "expires_at", "is_active", "total_attempts"]
    column_details_list = ["id", "user_id", *column_list]
    column_labels = {
        **ReadOnlyModelView.column_labels,
        "expires_at": "Expires at (UTC)",
        "is_active": "Active",
    }
    column_searchable_list = ["target_email", "user_id"]
    column_filters = ["is_active"]
    column_default_sort = ("created_at", True)


class EmailNotificationView(ReadOnlyModelView):
    description = "The email outbox: every email, its delivery status and attempts."
    column_list = [
        "to_address",
        "from_address",
        "subject",
        "status",
        "attempts",
        "send_after",
        "sent_at",
        "last_attempt_at",
        "created_at",
    ]
    column_details_list = ["id", *column_list, "updated_at", "last_error", "body_text", "body_html"]
    column_labels = {
        **ReadOnlyModelView.column_labels,
        "to_address": "To",
        "from_address": "From",
        "send_after": "Send after (UTC)",
        "sent_at": "Sent at (UTC)",
        "last_attempt_at": "First attempt at (UTC)",
        "body_text": "Text body",
        "body_html": "HTML body (source)",
    }
    column_formatters_detail = {"body_text": email_body, "body_html": email_body}
    column_searchable_list = ["to_address", "from_address", "subject"]
    column_filters = [enum_filter(EmailNotification.status, "Status", EmailStatusEnum)]
    column_default_sort = ("created_at", True)


def model_views() -> list[ReadOnlyModelView]:
    """New view objects for one app (Flask-Admin views hold per-app state)."""
    return [
        UserView(BiocommonsUser, "Users", "user", "Users"),
        DeletedUserView(BiocommonsUser, "Deleted Users", "deleted_user", "Users"),
        UserHistoryView(BiocommonsUserHistory, "User History", "user_history", "Users"),
        PlatformView(Platform, "Platforms", "platform", "Platforms"),
        PlatformMembershipView(
            PlatformMembership, "Platform Memberships", "platform_membership", "Platforms"
        ),
        PlatformMembershipHistoryView(
            PlatformMembershipHistory,
            "Platform Membership History",
            "platform_membership_history",
            "Platforms",
        ),
        GroupView(BiocommonsGroup, "Groups", "group", "Groups"),
        GroupMembershipView(GroupMembership, "Group Memberships", "group_membership", "Groups"),
        GroupMembershipHistoryView(
            GroupMembershipHistory,
            "Group Membership History",
            "group_membership_history",
            "Groups",
        ),
        RoleView(Auth0Role, "Roles", "role", "Roles"),
        PlatformRoleLinkView(
            PlatformRoleLink, "Platform Admin Roles", "platform_role_link", "Roles"
        ),
        GroupRoleLinkView(GroupRoleLink, "Group Admin Roles", "group_role_link", "Roles"),
        EmailNotificationView(
            EmailNotification, "Email Notifications", "email_notification", "Email"
        ),
        EmailChangeOtpView(EmailChangeOtp, "Email Change OTPs", "email_change_otp", "Email"),
    ]
