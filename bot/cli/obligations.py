"""Obligations: a person's status, reminder passes, supervisor digests."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import AtOpt, JsonOpt, emit, fail, parse_at, state
from bot.i18n import raw


def status(ctx: typer.Context, person: Annotated[str, typer.Argument(
        help="The person's name or phone.")], at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """Print a person's obligation states (as /status shows them)."""
    from bot.jobs.reminders import period_label
    from bot.services import obligations

    st = state(ctx)
    svc = st.services(migrated=True, at=parse_at(st, at))
    with svc.uow() as uow:
        found = uow.people.find(person.strip())
        if len(found) != 1:
            fail(st, st.problem("invite.person_unknown" if not found else
                                "invite.person_ambiguous", {"value": person}))
        person_id, name = found[0].id, found[0].name
    lines = obligations.status(svc, person_id, svc.clock.now())
    if as_json:
        emit({"person": name, "at": svc.clock.now().isoformat(),
              "obligations": [line.as_dict() for line in lines]})
        return
    typer.echo(f"{name} @ {svc.clock.now():%Y-%m-%d %H:%M}")
    for line in lines:
        kind = getattr(svc.policy.roles, line.role).obligation.period
        typer.echo(raw(f"status.line_{line.state}", st.lang, target=line.target,
                       period=period_label(kind, line.window_start, st.lang),
                       days=line.days_left, deadline=line.window_end, counted=line.counted,
                       required=line.required, visits=line.visits_this_period,
                       last=line.last_visit or raw("status.never", st.lang),
                       start=line.window_start).replace("<b>", "").replace("</b>", ""))


def reminders_run(ctx: typer.Context, at: AtOpt = None,
                  dry_run: Annotated[bool, typer.Option(
                      "--dry-run", help="Only print what would be sent.")] = False,
                  as_json: JsonOpt = False) -> None:
    """One reminder pass through the Bot API (the same code path as the daily job)."""
    import asyncio

    from bot.jobs.reminders import reminder_pass

    st = state(ctx)
    svc = st.services(migrated=True, at=parse_at(st, at))

    async def go():  # type: ignore[no-untyped-def]
        if dry_run:
            return await reminder_pass(None, svc, svc.clock.now(), dry_run=True)  # type: ignore[arg-type]
        async with st.bot() as bot:
            return await reminder_pass(bot, svc, svc.clock.now())

    report = asyncio.run(go())
    if as_json:
        emit(report.as_dict())
        return
    for label, rows in (("cli.rem_sent" if not dry_run else "cli.rem_would", report.sent),
                        ("cli.rem_unbound", report.unbound), ("cli.rem_failed", report.failed)):
        typer.echo(raw(label, st.lang, count=len(rows)))
        for r in rows:
            typer.echo(f"  {r['person']} · {r['target']} · {r['deadline']} · {r['key']}")
    if report.failed:
        raise typer.Exit(1)


def digest_send(ctx: typer.Context, at: AtOpt = None,
                to: Annotated[str | None, typer.Option(
                    "--to", help="Only this supervisor (name or phone).")] = None,
                as_json: JsonOpt = False) -> None:
    """Send digests as of that instant to every bound supervisor (or to one)."""
    import asyncio

    from bot.jobs.digest import digest_pass

    st = state(ctx)
    svc = st.services(migrated=True, at=parse_at(st, at))

    async def go():  # type: ignore[no-untyped-def]
        async with st.bot() as bot:
            return await digest_pass(bot, svc, svc.clock.now(), to)

    report = asyncio.run(go())
    if as_json:
        emit(report.__dict__)
    else:
        typer.echo(raw("cli.digest_sent", st.lang, names="、".join(report.sent) or "-"))
        if report.unbound:
            typer.echo(raw("cli.digest_unbound", st.lang, names="、".join(report.unbound)))
    if report.failed or (to and not report.sent):
        raise typer.Exit(1)
