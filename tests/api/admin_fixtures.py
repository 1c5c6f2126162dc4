"""Fixtures for the admin API tests (/admin, /biocommons-admin)."""
