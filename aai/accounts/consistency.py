"""Keeping Auth0 and the database in step when a change touches both (D6).

The pattern: the database change is flushed first (so constraint violations surface before Auth0
is touched), then Auth0 is changed, then the view commits inside `compensated(...)`. If the
commit fails, the Auth0 change is undone; if even that fails, the error is logged with what to
repair, and the next Auth0 → database sync brings the database in line with Auth0.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from aai.extensions import db

logger = logging.getLogger(__name__)


@contextmanager
def compensated(undo: Callable[[], object], what: str) -> Iterator[None]:
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
