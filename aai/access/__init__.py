"""Platform and group access: memberships and their changes, group requests, bundles, and the
set-up of platforms, groups and roles."""
