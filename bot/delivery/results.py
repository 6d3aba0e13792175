"""The sender's results on their way to the database: Telegram's message ids of messages
sent, rows blocked or parked, and updates done without effects of their own.

They are written by whichever unit of work comes first: the next update's transaction takes
them along (no extra round trip on a busy bot), or the sender's recorder writes them on its
own a moment later. Thread-safe: units of work run in worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot import failpoints


@dataclass
class Batch:
    marks: list[Any] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)  # updates to store first

    def __bool__(self) -> bool:
        return bool(self.marks or self.done or self.failed)

    def recorded_ids(self) -> list[int]:
        return [int(r["update_id"]) for r in self.records]


class ResultsBox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._batch = Batch()
        self.taken = 0  # batches out being written
        self.on_written: Callable[[Batch], None] | None = None
        self.on_recorded: Callable[[list[int]], None] | None = None

    def add(self, *, mark: Any = None, done: int | None = None,
            failed: tuple[int, str] | None = None, record: dict[str, Any] | None = None
            ) -> None:
        """``record``: the update marked ``done`` or ``failed`` was never stored (the poll
        loop handed it on first, and its handler stored nothing): it is stored with its mark."""
        with self._lock:
            if record is not None:
                self._batch.records.append(record)
            if mark is not None:
                self._batch.marks.append(mark)
            if done is not None:
                self._batch.done.append(done)
            if failed is not None:
                self._batch.failed.append(failed)

    def take(self) -> Batch:
        with self._lock:
            batch, self._batch = self._batch, Batch()
            if batch:
                self.taken += 1
            return batch

    def put_back(self, batch: Batch) -> None:
        """A write failed: these go with the next one (in front, to keep their order)."""
        with self._lock:
            self._batch = Batch(batch.marks + self._batch.marks, batch.done + self._batch.done,
                                batch.failed + self._batch.failed,
                                batch.records + self._batch.records)
            self.taken -= 1

    def written(self, batch: Batch) -> None:
        with self._lock:
            self.taken -= 1
        if self.on_written is not None:
            self.on_written(batch)
        if batch.records and self.on_recorded is not None:
            self.on_recorded(batch.recorded_ids())
        for kind in {m.kind for m in batch.marks if m.status == "sent"}:
            failpoints.hit(f"outbox.recorded:{kind}")

    def waiting(self) -> bool:
        """Results wait for a unit of work (not counting those being written)."""
        with self._lock:
            return bool(self._batch)

    def pending(self) -> bool:
        with self._lock:
            return bool(self._batch) or self.taken > 0
