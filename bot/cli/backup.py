"""Backups: ``ipbot backup FILE`` and ``ipbot restore FILE [--force]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import JsonOpt, emit, fail, state
from bot.i18n import raw
from bot.services.errors import ServiceError


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Back up the database to FILE while the bot runs (SQLite: a database file;
    PostgreSQL: a pg_dump custom-format archive)."""
    from bot.services import backup as backups

    st = state(ctx)
    try:
        done = backups.backup(st.settings().database_url, file, force=force)
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    if as_json:
        emit({"path": str(done.path), "kind": done.kind, "revision": done.revision,
              "size": done.size})
    else:
        typer.echo(raw("cli.backup_done", st.lang, path=done.path, size=done.size,
                       revision=done.revision or "-"))


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A backup written by ipbot backup.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite a database that holds data (stop the bot first).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore the database from FILE, then upgrade it to this program's schema revision.
    Refuses a database that holds data unless --force, and a backup from a newer program."""
    from bot.services import backup as backups

    st = state(ctx)
    try:
        done = backups.restore(st.settings().database_url, file, force=force)
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    if as_json:
        emit({"path": str(done.path), "kind": done.kind, "revision": done.revision,
              "head": done.head})
    elif done.upgraded:
        typer.echo(raw("cli.restore_upgraded", st.lang, path=done.path,
                       revision=done.revision, head=done.head))
    else:
        typer.echo(raw("cli.restore_done", st.lang, path=done.path, revision=done.revision))
