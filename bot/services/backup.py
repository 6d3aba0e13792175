"""Backups of the database and their restore, and the daily backup pass with rotation.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
while the bot keeps writing (WAL mode); the backup is a self-contained SQLite file.
PostgreSQL: ``pg_dump`` in custom format (one consistent snapshot) and ``pg_restore``.

A restore reads the backup's schema revision (Alembic) first: a revision this code does not
know (a newer one) is refused before anything is touched; an older one is upgraded after the
restore. A database holding any row is overwritten only when forced. Restore into a database
the bot is not using at the time (stop it first).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import MetaData, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store import migrate
from bot.store.db import make_engine

Kind = Literal["sqlite", "postgresql"]
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SUFFIX: dict[Kind, str] = {"sqlite": ".sqlite3", "postgresql": ".dump"}
TOOL_TIMEOUT = 3600  # seconds; a dump of this bot's data takes seconds


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: Kind
    revision: str | None
    size: int


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    kind: Kind
    revision: str  # the backup's
    head: str  # the database's after the restore (upgraded when the backup was older)

    @property
    def upgraded(self) -> bool:
        return self.revision != self.head


# --- backup ------------------------------------------------------------------------------

def backend(url: str) -> Kind:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ServiceError("backup.unsupported_backend", backend=name)
    return name  # type: ignore[return-value]


def backup(url: str, target: Path, *, force: bool = False) -> BackupResult:
    """Write a consistent backup of the database at ``url`` to ``target``.

    The file appears only when complete (written beside it, then renamed); an existing
    ``target`` is kept unless ``force``.
    """
    kind = backend(url)
    if target.exists() and not force:
        raise ServiceError("backup.file_exists", path=str(target))
    if target.is_dir():
        raise ServiceError("backup.is_dir", path=str(target))
    if not target.parent.is_dir():
        raise ServiceError("backup.no_folder", path=str(target.parent))
    partial = target.with_name(target.name + ".partial")
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial)
        else:
            _pg_dump(make_url(url), partial)
        revision = read_revision(partial)
        os.replace(partial, target)
    except OSError as exc:
        raise ServiceError("backup.file_failed", error=_one_line(str(exc))) from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, kind, revision, target.stat().st_size)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ServiceError("backup.memory_db")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise ServiceError("backup.source_missing", path=str(source))
    target.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)  # all pages in one step: one read transaction, one snapshot
                # a single self-contained file, not a WAL database with side files
                dst.execute("PRAGMA journal_mode=DELETE")
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise ServiceError("backup.sqlite_failed", error=_one_line(str(exc))) from exc
    if check != "ok":
        raise ServiceError("backup.sqlite_failed", error=_one_line(str(check)))


# --- restore -----------------------------------------------------------------------------

def detect(path: Path) -> Kind:
    """What kind of backup ``path`` is, from its first bytes."""
    if not path.is_file():
        raise ServiceError("backup.file_missing", path=str(path))
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise ServiceError("backup.bad_format", path=str(path))


def read_revision(path: Path) -> str | None:
    """The Alembic revision recorded in the backup ``path`` (None: no revision table)."""
    kind = detect(path)
    if kind == "sqlite":
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            if "no such table" in str(exc):
                return None
            raise ServiceError("backup.bad_format", path=str(path)) from exc
        return row[0] if row else None
    listing = _run_tool("pg_restore", ["--data-only", "--table=alembic_version", "--file=-",
                                       str(path)])
    return _copy_value(listing)


def _copy_value(sql: str) -> str | None:
    """The first value of the ``COPY … FROM stdin`` block of a one-column table."""
    lines = sql.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            value = lines[i + 1] if i + 1 < len(lines) else "\\."
            return None if value == "\\." else value
    return None


def restore(url: str, source: Path, *, force: bool = False) -> RestoreResult:
    """Replace the database at ``url`` with the backup ``source``, then upgrade it to head."""
    try:
        return _restore(url, source, force)
    except (SQLAlchemyError, OSError) as exc:  # unreachable, refused, not writable: one line
        raise ServiceError("backup.database_failed",
                           error=_one_line(str(getattr(exc, "orig", None) or exc))) from exc


def _restore(url: str, source: Path, force: bool) -> RestoreResult:
    kind, target_kind = detect(source), backend(url)
    if kind != target_kind:
        raise ServiceError("backup.wrong_backend", kind=kind, backend=target_kind)
    revision = read_revision(source)
    if revision is None:
        raise ServiceError("backup.no_revision", path=str(source))
    head = migrate.head_revision(url) or ""
    if not _known(url, revision):
        raise ServiceError("backup.newer_revision", revision=revision, head=head)
    if not force and not is_empty(url):
        raise ServiceError("backup.target_not_empty")
    if kind == "sqlite":
        _sqlite_restore(source, _sqlite_path(url))
    else:
        _pg_restore(make_url(url), source)
    if revision != head:
        migrate.upgrade(url)
    return RestoreResult(source, kind, revision, migrate.current_revision(url) or "")


def _known(url: str, revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(migrate.alembic_config(url)).get_revision(
            revision) is not None
    except (CommandError, RevisionError):
        return False


def is_empty(url: str) -> bool:
    """True when no table of the database (but Alembic's) holds a row, or it has none."""
    if backend(url) == "sqlite" and not _sqlite_path(url).exists():
        return True
    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return not any(conn.execute(select(1).select_from(table).limit(1)).first()
                           for name, table in meta.tables.items() if name != "alembic_version")
    finally:
        engine.dispose()


def _sqlite_restore(source: Path, target: Path) -> None:
    """Copy every page of ``source`` over ``target`` (the backup API again, reversed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")  # as the bot runs it (bot.store.db)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise ServiceError("backup.sqlite_failed", error=_one_line(str(exc))) from exc


# --- PostgreSQL client tools ---------------------------------------------------------------

def _pg_dump(url: URL, target: Path) -> None:
    _run_tool("pg_dump", ["--format=custom", f"--file={target}"], url)


def _pg_restore(url: URL, source: Path) -> None:
    """Drop every table of the target, then restore the dump in one transaction."""
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.begin() as conn:
            meta.drop_all(conn)
    finally:
        engine.dispose()
    _run_tool("pg_restore", ["--no-owner", "--no-privileges", "--single-transaction",
                             "--exit-on-error", str(source)], url)


def _run_tool(tool: str, args: list[str], url: URL | None = None) -> str:
    """Run a PostgreSQL client program and return its standard output. The password goes in
    its environment, never in its arguments; any failure is one ``ServiceError`` line."""
    program = shutil.which(tool)
    if program is None:
        raise ServiceError("backup.tool_missing", tool=tool)
    env = dict(os.environ)
    command = [program, *args]
    if url is not None:
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        conninfo = url.set(drivername="postgresql", password=None)
        command.insert(1, f"--dbname={conninfo.render_as_string(hide_password=False)}")
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceError("backup.tool_failed", tool=tool, error=_one_line(str(exc))) from exc
    if done.returncode != 0:
        raise ServiceError("backup.tool_failed", tool=tool,
                           error=_first_error(done.stderr) or f"exit {done.returncode}")
    return done.stdout


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower() or "fatal" in line.lower():
            return _one_line(line)
    return _one_line(lines[0]) if lines else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


# --- the daily pass ----------------------------------------------------------------------

NAME = re.compile(r"^ipbot-(\d{4}-\d{2}-\d{2})\.(sqlite3|dump)$")


@dataclass(frozen=True)
class PassResult:
    """What a backup pass did: ``written`` is None when off or when today's file exists."""

    enabled: bool
    written: Path | None = None
    deleted: tuple[Path, ...] = ()


def backup_name(day: date, kind: Kind) -> str:
    return f"ipbot-{day.isoformat()}{SUFFIX[kind]}"


def expired(names: Iterable[str], keep: int) -> list[str]:
    """Which backup files to delete so that the ``keep`` newest days remain.

    Only names this pass writes (``ipbot-YYYY-MM-DD.sqlite3`` or ``.dump``) are considered;
    anything else in the folder is left alone. Oldest first.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    ours = sorted((m.group(1), name) for name in names if (m := NAME.match(name)))
    return [name for _, name in ours[:max(0, len(ours) - keep)]]


def backup_pass(services: Services, at: datetime) -> PassResult:
    """The daily backup: one file a local day in ``IPBOT_BACKUP_DIR``, keeping the newest
    ``IPBOT_BACKUP_KEEP``. Off when ``IPBOT_BACKUP_DIR`` is not set. Running it again on the
    same day writes nothing (it catches up after a missed day when run late)."""
    settings = services.settings
    if settings.backup_dir is None:
        return PassResult(enabled=False)
    folder = settings.backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    kind = backend(settings.database_url)
    target = folder / backup_name(at.astimezone(settings.tz).date(), kind)
    written = None
    if not target.exists():
        written = backup(settings.database_url, target).path
    deleted = []
    for name in expired((p.name for p in folder.iterdir() if p.is_file()), settings.backup_keep):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
            deleted.append(folder / name)
    return PassResult(True, written, tuple(deleted))
