"""Injected faults: for the next N requests matching a method and a path prefix, answer a status
(optionally with `Retry-After`), wait, or drop the connection."""

import threading
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Fault:
    method: str  # an HTTP method, or "*" for any
    path_prefix: str
    status: int | None = None
    retry_after: int | None = None
    delay: float | None = None
    drop: bool = False
    count: int = 1

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and path.startswith(self.path_prefix)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class Faults:
    """The armed faults, oldest first; each match uses up one of its `count`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def armed(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, counted down (and removed at zero)."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    if fault.count <= 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = replace(fault, count=fault.count - 1)
                    return fault
        return None
