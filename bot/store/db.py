"""Engine and session factory. SQLite runs in WAL mode with foreign keys on."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_probe_engine(url: str, timeout: float = 5.0) -> Engine:
    """An engine that opens a new connection for every use and never creates the database:
    it answers "can the database be reached right now" (``/healthz``), which pooled
    connections that keep an old file or socket open cannot."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            return create_engine("sqlite://", poolclass=NullPool)
        target = "file:" + quote(str(Path(database).resolve())) + "?mode=rw"

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(target, uri=True, timeout=timeout,
                                   check_same_thread=False)

        return create_engine("sqlite://", creator=connect, poolclass=NullPool)
    return create_engine(url, poolclass=NullPool,
                         connect_args={"connect_timeout": max(1, int(timeout))})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def serial_lock(engine: Engine | None) -> threading.RLock | None:
    """For SQLite: one lock per engine that every unit of work holds while it runs.

    SQLite has one writer at a time, and a writer that finds the database busy sleeps in
    coarse steps (up to 100 ms) before trying again. Queueing the process's own units of
    work on a lock instead hands the database over at once. PostgreSQL needs no such thing.
    """
    if engine is None or engine.dialect.name != "sqlite":
        return None
    lock = getattr(engine, "_ipbot_serial", None)
    if lock is None:
        lock = threading.RLock()
        engine._ipbot_serial = lock  # type: ignore[attr-defined]
    return lock


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
