"""The roster lifecycle (调整): ending and transferring assignments, leaving the pool, rolling
over to a new cycle, and who is where in the pool.

Commands that owe messages (to supervisors, to the people of a transfer) write them to the
outbox with the change and deliver them as ``ipbot reminders run`` does: through the running
bot when one holds the lease, else directly; without a token they stay queued for the bot.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import CliState, JsonOpt, emit, fail, parse_date, state
from bot.i18n import raw
from bot.services.errors import ServiceError

if TYPE_CHECKING:  # loaded where used: `ipbot --help` needs none of them
    from bot.services import cycles, lifecycle
    from bot.store.delivery_repo import StoredOut

ReasonOpt = Annotated[str | None, typer.Option(
    "--reason", help="Why (recorded in the audit log).")]
OnOpt = Annotated[str, typer.Option("--on", help="The date, YYYY-MM-DD.")]
EntityOpt = Annotated[str | None, typer.Option("--entity", help="The served entity.")]
RegionOpt = Annotated[str | None, typer.Option("--region", help="The service region.")]


def deliver(st: CliState, rows: list[StoredOut], as_json: bool) -> dict[str, Any]:
    """Send what a command wrote to the outbox; what happened, for --json."""
    from bot.config import ConfigError

    if not rows:
        return {}
    from bot.cli.deliver import deliver_sync
    from bot.cli.obligations import _report_delivery

    svc = st.services()
    try:
        token = st.settings().require_token()
    except ConfigError:
        if not as_json:
            typer.echo(raw("cli.queued_no_token", st.lang, count=len(rows)))
        return {"queued": len(rows)}
    return _report_delivery(st, deliver_sync(svc, token, rows), as_json)


def _told(st: CliState, told: list[str], unbound: list[str]) -> None:
    if told:
        typer.echo(raw("cli.told", st.lang, names="、".join(told)))
    if unbound:
        typer.echo(raw("cli.not_told", st.lang, names="、".join(sorted(set(unbound)))))


def _ending_lines(st: CliState, ending: lifecycle.Ending) -> None:

    for e in ending.ended:
        a = e.assignment
        key = "cli.assignment_removed" if e.removed else "cli.assignment_ended"
        typer.echo(raw(key, st.lang, person=a.person, target=a.target, start=a.start,
                       end=a.end, last=e.last_day))
    for u in ending.unserved:
        typer.echo(raw("cli.unserved_line", st.lang, target=u.target, since=u.since,
                       kind=raw(f"lifecycle.kind_{u.kind}", st.lang)))
    _told(st, sorted({n.to.name for n in ending.notices}), ending.unbound)


def assign_end(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="The person's name or phone.")],
    on: OnOpt,
    entity: EntityOpt = None,
    region: RegionOpt = None,
    reason: ReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End a person's assignment to an entity or region: --on is its last day. Supervisors
    are told what nobody serves any more."""
    from bot.services import lifecycle

    st = state(ctx)
    day = parse_date(st, on)
    svc = st.services(migrated=True)
    try:
        done = lifecycle.end(svc, person, entity=entity, region=region, day=day,
                             actor=st.actor(), reason=reason, reply=_views().ended)
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    if not as_json:
        _ending_lines(st, done.value)
    sent = deliver(st, done.sent, as_json)
    if as_json:
        emit(done.value.as_dict() | sent)


def assign_transfer(
    ctx: typer.Context,
    on: OnOpt,
    from_person: Annotated[str, typer.Option("--from", help="Who serves it now.")],
    to_person: Annotated[str, typer.Option("--to", help="Who serves it from --on.")],
    entity: EntityOpt = None,
    region: RegionOpt = None,
    reason: ReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hand an entity or region over from --on (the old person serves until the day before).
    Open follow-up items and open consultations move to the new person; both people and the
    entity's contacts are told."""
    from bot.services import lifecycle

    st = state(ctx)
    day = parse_date(st, on)
    svc = st.services(migrated=True)
    try:
        done = lifecycle.transfer(svc, entity=entity, region=region, from_person=from_person,
                                  to_person=to_person, day=day, actor=st.actor(),
                                  reason=reason, reply=_views().transferred)
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    value = done.value
    if not as_json:
        typer.echo(raw("cli.transferred", st.lang, target=value.target, old=value.from_name,
                       new=value.to_name, day=value.day, followups=value.followups,
                       consultations=value.consultations))
        _told(st, [n.to.name for n in value.notes], value.unbound)
    sent = deliver(st, done.sent, as_json)
    if as_json:
        emit(value.as_dict() | sent)


def person_leave(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="The person's name or phone.")],
    on: OnOpt,
    reason: Annotated[str, typer.Option(
        "--reason", help="Why (required; recorded in the audit log).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Record that a person leaves the pool (离库); --on is their last day. Their assignments
    end then, their history stays, their Telegram account and invites grant no staff commands
    afterwards, and supervisors are told what nobody serves any more."""
    from bot.services import lifecycle

    st = state(ctx)
    day = parse_date(st, on)
    svc = st.services(migrated=True)
    try:
        done = lifecycle.leave(svc, person, day=day, reason=reason, actor=st.actor(),
                               reply=_views().left)
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    value = done.value
    if not as_json:
        typer.echo(raw("cli.already_left" if value.already else "cli.left", st.lang,
                       name=value.person, day=value.day))
        _ending_lines(st, value.ending)
    sent = deliver(st, done.sent, as_json)
    if as_json:
        emit(value.as_dict() | sent)


def cycle_roll(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--start", help="First day of the new cycle.")],
    changes: Annotated[Path | None, typer.Option(
        "--changes", help="A file of changes: the assignments format with 变动/change "
                          "(新增/add, the default, or 取消/drop).")] = None,
    years: Annotated[int | None, typer.Option(help="Length in years (policy default).")] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only print the diff; change nothing.")] = False,
    reason: ReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open the next cycle and copy the running assignments into it; print the diff (kept,
    ended, added, unserved entities and regions)."""
    from bot.services import cycles

    st = state(ctx)
    day = parse_date(st, start)
    svc = st.services(migrated=True)
    try:
        report = cycles.roll(svc, day, years=years, changes=changes, dry_run=dry_run,
                             actor=st.actor(), reason=reason)
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    if as_json:
        emit(report.as_dict() | {"errors": [
            {"row": e.row, "code": e.code, "reason": st.problem(e.code, e.values)}
            for e in report.errors], "warnings": [
            {"row": e.row, "code": e.code, "reason": st.problem(e.code, e.values)}
            for e in report.warnings]})
    else:
        _warnings(st, report.warnings)
        if not report.ok:
            typer.echo(raw("cli.roll_failed", st.lang, count=len(report.errors)), err=True)
            for e in report.errors:
                typer.echo(raw("cli.row_error", st.lang, row=e.row,
                               reason=st.problem(e.code, e.values)), err=True)
        else:
            _roll_text(st, report)
    if not report.ok:
        raise typer.Exit(1)


def _roll_text(st: CliState, report: cycles.RollReport) -> None:

    assert report.cycle is not None and report.source is not None
    typer.echo(raw("cli.roll_dry" if report.dry_run else "cli.roll_done", st.lang,
                   start=report.cycle.start, end=report.cycle.end,
                   source=report.source.start))
    typer.echo(raw("cli.roll_kept", st.lang, count=len(report.kept)))
    for a in report.kept:
        typer.echo(f"  = {a.person} · {a.target}")
    typer.echo(raw("cli.roll_ended", st.lang, count=len(report.ended)))
    for e in report.ended:
        why = (raw("cli.roll_dropped", st.lang) if e.code == "roll.dropped"
               else st.problem(e.code, e.values))
        typer.echo(f"  - {e.assignment.person} · {e.assignment.target} · {why}")
    typer.echo(raw("cli.roll_added", st.lang, count=len(report.added)))
    for a in report.added:
        typer.echo(f"  + {a.person} · {a.target} · {a.start} – {a.end}")
    typer.echo(raw("cli.roll_unserved", st.lang, count=len(report.unserved)))
    for u in report.unserved:
        typer.echo(f"  ! {raw(f'lifecycle.kind_{u.kind}', st.lang)} · {u.target}")


def _warnings(st: CliState, warnings: list[Any]) -> None:
    for w in warnings:
        typer.echo(raw("cli.row_warning", st.lang, row=w.row,
                       reason=st.problem(w.code, w.values)), err=True)


def pool_list(
    ctx: typer.Context,
    role: Annotated[str | None, typer.Option(
        "--role", help="commissioner | envoy | supervisor | admin | entity | region")] = None,
    pool_state: Annotated[str | None, typer.Option(
        "--state", help="submitted | reviewed | in_pool | left")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Who and what is where in the pool: route (报送途径), state (审核, 培训, 入库, 离库) and
    what each serves (or who serves it) today."""
    from bot.domain.vocab import PoolState
    from bot.services import lifecycle

    st = state(ctx)
    if role is not None and role not in lifecycle.POOL_KINDS:
        fail(st, raw("cli.bad_choice", st.lang, option="--role", value=role,
                     allowed=", ".join(lifecycle.POOL_KINDS)))
    states = [s.value for s in PoolState]
    if pool_state is not None and pool_state not in states:
        fail(st, raw("cli.bad_choice", st.lang, option="--state", value=pool_state,
                     allowed=", ".join(states)))
    rows = lifecycle.pool(st.services(migrated=True), role, pool_state)
    if as_json:
        emit([r.as_dict() for r in rows])
        return
    if not rows:
        typer.echo(raw("cli.pool_empty", st.lang))
    for r in rows:
        what = "、".join(raw(f"role.{x}", st.lang) for x in r.roles) or raw(
            f"lifecycle.kind_{r.kind}", st.lang)
        route = raw(f"pool.route_{r.route}", st.lang) if r.route else "-"
        line = raw("cli.pool_line", st.lang, name=r.name, what=what, state=raw(
            f"pool.state_{r.state}", st.lang), route=route, where=r.where or "-",
            serving="、".join(r.serving) or "-")
        if r.left_on:
            line += raw("cli.pool_left", st.lang, day=r.left_on, reason=r.left_reason or "-")
        typer.echo(line)


def _views():  # type: ignore[no-untyped-def]
    from bot.views import roster

    return roster
