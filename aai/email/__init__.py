"""Emails: rendering from templates into the outbox, delivery by the worker, the welcome email."""
