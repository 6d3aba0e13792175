"""What every service needs: settings, a session factory and the clock."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.services.knowledge import Knowledge
from bot.store.db import make_engine, make_session_factory
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

    @classmethod
    def create(cls, settings: Settings, clock: Clock | None = None,
               policy: Policy | None = None) -> Services:
        engine = make_engine(settings.database_url)
        clock = clock or SystemClock(settings.tz)
        if policy is None:
            policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
        return cls(settings, engine, make_session_factory(engine), clock, policy,
                   Knowledge(settings.knowledge_dir))

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def close(self) -> None:
        self.engine.dispose()
