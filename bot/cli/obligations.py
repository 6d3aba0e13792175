"""Obligations: a person's status, reminder passes, supervisor digests."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import AtOpt, JsonOpt, emit, fail, parse_at, state
from bot.i18n import raw


def status(ctx: typer.Context, person: Annotated[str, typer.Argument(
        help="The person's name or phone.")], at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """Print a person's obligation states (as /status shows them)."""
    from bot.services import obligations
    from bot.views.common import period_label

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
        kind = svc.policy.role(line.role).obligation.period
        typer.echo(raw(f"status.line_{line.state}", st.lang, target=line.target,
                       period=period_label(kind, line.window_start, st.lang),
                       days=line.days_left, deadline=line.window_end, counted=line.counted,
                       required=line.required, visits=line.visits_this_period,
                       last=line.last_visit or raw("status.never", st.lang),
                       start=line.window_start).replace("<b>", "").replace("</b>", ""))


def _report_delivery(st, delivered, as_json: bool) -> dict:  # type: ignore[no-untyped-def]
    if delivered is None:
        return {}
    if delivered.by_running_bot:
        if not as_json:
            typer.echo(raw("cli.queued_for_bot", st.lang, holder=delivered.by_running_bot))
        return {"delivered_by": delivered.by_running_bot}
    stats = dict(delivered.stats)
    if not as_json:
        typer.echo(raw("cli.delivery_stats", st.lang, sent=stats.get("sent", 0),
                       blocked=stats.get("blocked", 0), failed=stats.get("failed", 0),
                       parked=stats.get("parked", 0), ambiguous=stats.get("ambiguous", 0)))
    return {"delivery": stats}


def reminders_run(ctx: typer.Context, at: AtOpt = None,
                  dry_run: Annotated[bool, typer.Option(
                      "--dry-run", help="Only print what would be sent.")] = False,
                  as_json: JsonOpt = False) -> None:
    """One reminder pass (the same code as the daily one): each reminder is owed once ever."""
    from bot.cli.deliver import deliver_sync
    from bot.services import reminders
    from bot.views.status import reminder

    st = state(ctx)
    svc = st.services(migrated=True, at=parse_at(st, at))
    token = None if dry_run else st.token()
    done = reminders.enqueue(svc, svc.clock.now(), reminder, dry_run=dry_run)
    report = done.value
    delivered = deliver_sync(svc, token, done.sent) if token else None
    if as_json:
        emit(report.as_dict() | _report_delivery(st, delivered, True))
        return
    for label, rows in (("cli.rem_sent" if not dry_run else "cli.rem_would", report.sent),
                        ("cli.rem_unbound", report.unbound),
                        ("cli.rem_blocked", report.blocked)):
        typer.echo(raw(label, st.lang, count=len(rows)))
        for r in rows:
            typer.echo(f"  {r['person']} · {r['target']} · {r['deadline']} · {r['key']}")
    _report_delivery(st, delivered, False)
    if delivered is not None and (delivered.stats.get("failed") or delivered.stats.get("parked")):
        raise typer.Exit(1)


def digest_send(ctx: typer.Context, at: AtOpt = None,
                to: Annotated[str | None, typer.Option(
                    "--to", help="Only this supervisor (name or phone).")] = None,
                again: Annotated[bool, typer.Option(
                    "--again", help="Send again although this week's digest went out.")] = False,
                as_json: JsonOpt = False) -> None:
    """Send this week's digest to every bound supervisor (or to one) that has not had it."""
    import asyncio

    from bot.cli.deliver import Collected, deliver_sync
    from bot.passes import digest as digest_pass
    from scheduler.passes import DIGEST, current_slots

    st = state(ctx)
    svc = st.services(migrated=True, at=parse_at(st, at))
    token = st.token()
    now = svc.clock.now()
    period = next(s.period for s in current_slots(now, svc.policy) if s.name == DIGEST)
    if again:
        period += f":again:{now:%Y%m%dT%H%M%S}"
    collected = Collected(svc)
    report = asyncio.run(digest_pass.send_all(collected, now, period, to))  # type: ignore[arg-type]
    delivered = deliver_sync(svc, token, collected.rows)
    if as_json:
        emit(report | {"period": period} | _report_delivery(st, delivered, True))
    else:
        typer.echo(raw("cli.digest_sent", st.lang, names="、".join(report["sent"]) or "-"))
        if report["already"]:
            typer.echo(raw("cli.digest_already", st.lang, names="、".join(report["already"])))
        if report["unbound"]:
            typer.echo(raw("cli.digest_unbound", st.lang, names="、".join(report["unbound"])))
        _report_delivery(st, delivered, False)
    if to and not (report["sent"] or report["already"]):
        raise typer.Exit(1)
