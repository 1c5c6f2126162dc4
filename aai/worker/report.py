"""What a sync step did, counted; printed by `flask sync-auth0` and logged by the worker."""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

COUNTS = ("created", "updated", "restored", "soft_deleted", "unchanged", "skipped")


@dataclass
class SyncReport:
    step: str
    created: int = 0
    updated: int = 0
    restored: int = 0
    soft_deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    skip_reasons: Counter = field(default_factory=Counter)
    # The kinds a step derives and counts on their own rows (the roles step: platforms, groups
    # and admin links), so a summary never counts a platform as a role.
    related: list["SyncReport"] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] += 1

    def merge(self, other: "SyncReport") -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skip_reasons.update(other.skip_reasons)

    @property
    def writes(self) -> int:
        return self.created + self.updated + self.restored + self.soft_deleted

    def rows(self) -> list["SyncReport"]:
        """This report, then those of the kinds derived by the same step."""
        return [self, *self.related]

    def as_dict(self) -> dict:
        counts = {name: getattr(self, name) for name in COUNTS}
        summary = {"step": self.step, **counts, "skip_reasons": dict(self.skip_reasons)}
        if self.related:
            summary["related"] = [report.as_dict() for report in self.related]
        return summary


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of `size` items (the last may be shorter): bounded memory."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
