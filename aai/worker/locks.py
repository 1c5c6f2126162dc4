"""One run of a job at a time across processes: a PostgreSQL advisory lock per job.

The lock lives on its own connection for the job's duration, so it survives the job's batch
commits, and PostgreSQL releases it if the process dies (even by SIGKILL). SQLite has one
writer anyway and no such lock: there the guard is a no-op.
"""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from aai.extensions import db


def lock_key(job_id: str) -> int:
    return zlib.crc32(f"aai-job:{job_id}".encode())


@contextmanager
def job_lock(job_id: str) -> Iterator[bool]:
    """Yields True when this process holds the job's lock, False when another one does."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = {"key": lock_key(job_id)}
        acquired = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar()
        try:
            yield bool(acquired)
        finally:
            if acquired:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), key)
