"""Keeping Auth0 and the database in step when a change touches both (D6): the one order.

Every change that writes to both stores, whoever asks for it (an admin, the user themselves,
the dashboard), runs in this order:

1. check, then change the database and flush, so that validation and constraint violations
   surface before Auth0 is touched;
2. change Auth0;
3. the view commits inside `compensated(undo, ...)` (usually through `commit_or_undo`), where
   `undo` is the Auth0 change that reverses step 2, returned by the service.

If step 2 fails, nothing was committed and the request's session is rolled back: nothing
changed anywhere. If the commit fails, the Auth0 change is undone; if even that fails, the
error is logged with what to repair, and the next Auth0 → database sync brings the database in
line with Auth0. Registration is the one exception (it needs the Auth0 user id first): see
`aai.accounts.registration` and docs/decisions.md.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aai.extensions import db

logger = logging.getLogger(__name__)

Undo = Callable[[], object]


def nothing_to_undo() -> None:
    """The undo of a change that left Auth0 as it was."""


@contextmanager
def compensated(undo: Undo, what: str) -> Iterator[None]:
    """Run the block (usually the commit); when it fails, undo the Auth0 side and re-raise."""
    try:
        yield
    except Exception:
        db.session.rollback()
        try:
            undo()
        except Exception:  # the original failure is what the caller must see
            logger.exception("cannot undo %s in Auth0; the next sync repairs it", what)
        else:
            logger.warning("undid %s in Auth0 after the database change failed", what)
        raise


def commit_or_undo(undo: Undo, what: str) -> None:
    """Step 3 of the order: commit, undoing the Auth0 change if the commit fails."""
    with compensated(undo, what):
        db.session.commit()
