"""What every service needs: settings, a session factory and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, Timer
from bot.config import Settings
from bot.delivery.results import ResultsBox
from bot.delivery.rides import Rides
from bot.services.knowledge import Knowledge
from bot.store.db import make_engine, make_probe_engine, make_session_factory
from bot.store.uow import UnitOfWork
from scheduler.policy import Policy, default_policy, load_policy


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    policy: Policy
    knowledge: Knowledge
    timer: Timer
    # the outbox sender's results, written by the next unit of work of an update
    results: ResultsBox = field(default_factory=ResultsBox)
    # received batches to store, taken along by the next unit of work that commits
    rides: Rides = field(default_factory=Rides)
    _probe: sessionmaker[Session] | None = field(default=None, init=False, repr=False)

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None,
               policy: Policy | None = None, timer: Timer | None = None,
               knowledge: Knowledge | None = None) -> Services:
        """``knowledge`` may be shared between containers (it is read-only once loaded)."""
        engine = make_engine(settings.database_url)
        clock = clock or settings.clock()
        if policy is None:
            policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
        return cls(settings, engine, make_session_factory(engine), clock, policy,
                   knowledge or Knowledge(settings.knowledge_dir), timer or Timer())

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.results, self.clock.now, self.rides)

    def probe(self) -> UnitOfWork:
        """A unit of work on a new connection (never a pooled one), for health checks."""
        if self._probe is None:
            self._probe = make_session_factory(make_probe_engine(self.settings.database_url))
        return UnitOfWork(self._probe)

    def close(self) -> None:
        self.engine.dispose()
        if self._probe is not None:
            bind = self._probe.kw.get("bind")
            if bind is not None:
                bind.dispose()
