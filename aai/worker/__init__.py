"""Keeping the database in step with Auth0: roles, groups, platforms, users and memberships.

Each sync step is a plain function taking the Auth0 client, the session and a `checkpoint`
callable (commit in a real run, flush in a dry run) and returning a `SyncReport`. Steps stream
Auth0's pages and export rows, write in batches, and never delete local data because of an
incomplete Auth0 answer: deletions happen only after a listing completed.
"""
