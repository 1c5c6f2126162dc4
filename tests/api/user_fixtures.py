"""Fixtures for the user-facing API tests (/me, registration, /utils)."""
