"""Bundles (20 §10.1) and the Australian-research-institution rule some of them require.

A bundle is what a user asks for at sign-up or later: one group (pending until an admin
approves it, unless the bundle auto-approves) plus optional extra platforms granted at once.
"""

from dataclasses import dataclass

from flask import current_app

from aai.models import PlatformEnum

GROUP_PREFIX = "biocommons/group/"
# Every BioCommons registrant gets these, approved at once, with their Auth0 roles.
DEFAULT_PLATFORMS = (PlatformEnum.BPA_DATA_PORTAL, PlatformEnum.GALAXY)


@dataclass(frozen=True)
class Bundle:
    id: str
    group_auto_approve: bool = False
    extra_platforms: tuple[PlatformEnum, ...] = ()
    # Only addresses of Australian research institutions may ask for it.
    institutional_email_only: bool = False

    @property
    def group_id(self) -> str:
        return GROUP_PREFIX + self.id


BUNDLES = {
    bundle.id: bundle
    for bundle in (
        Bundle("tsi"),
        Bundle("sbp_workflow_execution", institutional_email_only=True),
    )
}
INSTITUTIONAL_EMAIL_REQUIRED = (
    "The {name} bundle is only available with an email address of an Australian research "
    "institution."
)


def bundle_of_group(group_id: str) -> Bundle | None:
    if not group_id.startswith(GROUP_PREFIX):
        return None
    return BUNDLES.get(group_id.removeprefix(GROUP_PREFIX))


def is_australian_research_institution(email: str) -> bool:
    """The email's domain is a configured institution domain or a subdomain of one."""
    domain = email_domain(email)
    if not domain:
        return False
    for allowed in current_app.config["AUSTRALIAN_RESEARCH_INSTITUTION_DOMAINS"]:
        allowed = allowed.strip().lower()
        if domain == allowed or domain.endswith("." + allowed):
            return True
    return False


def email_domain(email: str) -> str:
    """The domain of an address, lower-cased (the part that bundles and SBP sign-up check)."""
    return email.rpartition("@")[2].strip().lower()
