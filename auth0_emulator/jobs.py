"""Management API jobs: verification emails and user exports, polled by id.

An export job snapshots the users when it is created (records are immutable, so this is a list
copy) and renders its file on the first download. How exports behave is adjustable through the
control API, so a client's polling, timeout and failure handling can be tested.
"""

import secrets
import threading
from dataclasses import dataclass, field

from auth0_emulator.tenant import User, now_iso

OUTCOMES = ("completed", "failed", "cancelled")


@dataclass
class ExportBehaviour:
    pending_polls: int = 0  # polls answered "processing" before the outcome
    outcome: str = "completed"


@dataclass
class Job:
    id: str
    type: str
    created_at: str
    details: dict
    status: str = "pending"
    polls_left: int = 0
    outcome: str = "completed"
    users: list[User] = field(default_factory=list, repr=False)
    download_token: str | None = None
    file: bytes | None = field(default=None, repr=False)


class Jobs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self.behaviour = ExportBehaviour()

    def create_verification(self, user_id: str) -> Job:
        job = Job(_job_id(), "verification_email", now_iso(), {"user_id": user_id})
        job.outcome = "completed"
        return self._keep(job)

    def create_export(self, users: list[User], details: dict) -> Job:
        job = Job(_job_id(), "users_export", now_iso(), details, users=users)
        job.polls_left = self.behaviour.pending_polls
        job.outcome = self.behaviour.outcome
        job.download_token = secrets.token_urlsafe(24)
        return self._keep(job)

    def poll(self, job_id: str) -> Job | None:
        """The job, one poll further: "processing" while polls are left, then its outcome."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.polls_left > 0:
                job.polls_left -= 1
                job.status = "processing"
            else:
                job.status = job.outcome
            return job

    def by_download_token(self, token: str) -> Job | None:
        with self._lock:
            return next((job for job in self._jobs.values() if job.download_token == token), None)

    def _keep(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
        return job


def _job_id() -> str:
    return "job_" + secrets.token_hex(8)
