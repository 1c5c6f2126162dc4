"""The Auth0 roles behind access: which role grants a platform or a group, by id.

Role names follow the tenant's conventions (30 §0): `biocommons/platform/<id>` grants a
platform, a group's id is its role's name. Ids come from the synced copy of Auth0's roles
(`auth0role`) when it knows the name, else from Auth0 itself.
"""

from sqlalchemy import select

from aai.errors import UpstreamError
from aai.extensions import db
from aai.identity.auth0 import Auth0Client
from aai.models import Auth0Role, Platform, PlatformEnum

# A group's id is the name of its Auth0 role (the API's input rule for group ids).
GROUP_ID_PATTERN = r"^biocommons/group/[a-z0-9_]+$"


def platform_access_role_name(platform_id: PlatformEnum) -> str:
    return f"biocommons/platform/{platform_id.value}"


def role_id_by_name(auth0: Auth0Client, name: str) -> str:
    """The Auth0 id of the role with this name: the synced copy first, else Auth0 itself."""
    local = db.session.scalars(
        select(Auth0Role.id).where(Auth0Role.name == name, Auth0Role.active())
    ).all()
    if len(local) == 1:
        return local[0]
    role = auth0.role_by_name(name)
    if role is None:
        raise UpstreamError(f"Role {name} not found in Auth0.")
    return role["id"]


def platform_access_role_id(auth0: Auth0Client, platform: Platform) -> str:
    """The role that grants access to the platform (stored on the platform, or by name)."""
    return platform.role_id or role_id_by_name(auth0, platform_access_role_name(platform.id))
