"""Unit of work: one session per unit of work; the service decides when to commit.

Repositories never commit. Leaving the ``with`` block without ``commit()`` rolls back.

When a unit of work runs for an update (``bot.delivery.turn``), its commit also marks the
update done: the update's effects and "done" land in one transaction, so a crash either keeps
both or neither (then the update is processed again after the restart). An update that the
poll loop handed on before storing it (``Turn.record``) is stored by that same commit; and the
turn's first unit of work confirms, before anything else, the actor the update is handled as
when it was remembered rather than looked up (``Turn.check``).

A commit also takes along what waits for any commit: the outbox sender's results
(``bot.delivery.results``) and received batches not yet stored (``bot.delivery.rides``). What
it took is written with it, or put back to wait for the next commit when it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import turn as turns
from bot.delivery.results import Batch, ResultsBox
from bot.delivery.rides import Ride, Rides
from bot.store import delivery_repo as delivery
from bot.store import repositories as repos
from bot.store.db import serial_lock
from bot.store.visit_repo import Visits


class UnitOfWork:
    session: Session

    def __init__(self, session_factory: sessionmaker[Session],
                 results: ResultsBox | None = None,
                 now: Callable[[], datetime] | None = None, rides: Rides | None = None
                 ) -> None:
        self._factory = session_factory
        self._results = results
        self._rides = rides
        self._clock_now = now

    def _now(self) -> datetime:
        assert self._clock_now is not None, "a unit of work that takes results needs a clock"
        return self._clock_now()

    def __enter__(self) -> UnitOfWork:
        self._lock = serial_lock(self._factory.kw.get("bind"))
        if self._lock is not None:
            self._lock.acquire()
        self.session = self._factory()
        self.people = repos.People(self.session)
        self.entities = repos.Entities(self.session)
        self.regions = repos.Regions(self.session)
        self.cycles = repos.Cycles(self.session)
        self.assignments = repos.Assignments(self.session)
        self.contacts = repos.Contacts(self.session)
        self.invites = repos.Invites(self.session)
        self.prefs = repos.Prefs(self.session)
        self.audit = repos.Audit(self.session)
        self.visits = Visits(self.session)
        self.outbox = delivery.Outbox(self.session)
        self.inbound = delivery.Inbound(self.session)
        self.pending = delivery.PendingInputs(self.session)
        self.notices = delivery.Notices(self.session)
        turn = turns.current()
        if turn is not None and turn.check is not None:
            check, turn.check = turn.check, None  # the turn's first unit of work, once
            try:
                check(self)
            except BaseException:
                self.__exit__(None, None, None)
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded objects
        # with their state intact (an explicit rollback() would expire them).
        try:
            self.session.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    def commit(self) -> None:
        turn = turns.current()
        batch = None
        rides: list[Ride] = []
        try:
            if turn is not None and not turn.marked:
                # not stored yet (``Turn.record``): stored now, done, with its effects
                if turn.record is None or not self.inbound.record(
                        [turn.record], turn.now, done=True):
                    self.inbound.mark([turn.update_id], turn.now)
            if self._results is not None:  # the sender's results ride along: no extra trip
                batch = self._results.take()  # (with an update's effects, a received batch …)
                if batch:
                    self.write_results(batch, turn.now if turn is not None else self._now())
            if self._rides is not None:  # so does a received batch (``bot.delivery.rides``)
                rides = self._rides.take()
                for ride in rides:
                    ride.result = ride.apply(self)
            self.session.commit()
        except BaseException:
            if batch:
                self._results.put_back(batch)  # type: ignore[union-attr]
            if rides:
                self._rides.put_back(rides)  # type: ignore[union-attr]
            raise
        if batch:
            self._results.written(batch)  # type: ignore[union-attr]
        if rides:
            self._rides.written(rides)  # type: ignore[union-attr]
        if turn is not None:
            first = not turn.marked
            turn.marked = turn.committed = True
            if first and turn.record is not None and turn.on_recorded is not None:
                turn.on_recorded()

    def write_results(self, batch: Batch, now: datetime) -> None:
        self.inbound.record(batch.records, now)  # updates done that no commit had stored
        self.outbox.record_many(batch.marks, now)
        self.inbound.mark(batch.done, now)
        for update_id, error in batch.failed:
            self.inbound.mark([update_id], now, status="failed", error=error[:2000])

    def flush(self) -> None:
        self.session.flush()
