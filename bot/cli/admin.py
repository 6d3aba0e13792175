"""Administration: the database, roster imports, service cycles, invites, running the bot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import JsonOpt, emit, fail, parse_date, state
from bot.i18n import raw
from bot.services.errors import ServiceError


def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (ipbot run does this too)."""
    from bot.store import migrate

    st = state(ctx)
    url = st.settings().database_url
    migrate.upgrade(url)
    typer.echo(raw("cli.db_upgraded", st.lang, revision=migrate.current_revision(url)))


def import_roster(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="people | entities | regions | assignments")],
    file: Annotated[Path, typer.Argument(help="A .csv (UTF-8 or GBK) or .xlsx file.")],
    reason: Annotated[str | None, typer.Option(
        "--reason", help="Why (recorded in the audit log).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a roster file. Any bad row: nothing is imported and every bad row is listed.
    Warnings (a title row skipped, two people of one name …) do not stop it."""
    from bot.cli.roster import deliver
    from bot.services import rosters
    from bot.views.roster import unserved_notices

    st = state(ctx)
    if kind not in rosters.rosters.KINDS:
        fail(st, f"KIND must be one of: {', '.join(rosters.rosters.KINDS)}")
    svc = st.services(migrated=True)
    try:
        done = rosters.run_import(svc, kind, file, actor=st.actor(),  # type: ignore[arg-type]
                                  reason=reason, reply=lambda r: unserved_notices(r.notices))
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    report = done.value
    kind_name = raw(f"kind.{kind}", st.lang)
    if not as_json:
        for w in report.warnings:
            typer.echo(raw("cli.row_warning", st.lang, row=w.row,
                           reason=st.problem(w.code, w.values)), err=True)
    if report.ok and not as_json:
        typer.echo(raw("cli.import_ok", st.lang, kind=kind_name, created=report.created,
                       updated=report.updated, unchanged=report.unchanged))
        for x in report.left:
            typer.echo(raw("cli.left", st.lang, name=x.person, day=x.day))
        for e in report.ended:
            a = e.assignment
            typer.echo(raw("cli.assignment_removed" if e.removed else "cli.assignment_ended",
                           st.lang, person=a.person, target=a.target, start=a.start, end=a.end,
                           last=e.last_day))
        for u in report.unserved:
            typer.echo(raw("cli.unserved_line", st.lang, target=u.target, since=u.since,
                           kind=raw(f"lifecycle.kind_{u.kind}", st.lang)))
        if report.notices:
            typer.echo(raw("cli.told", st.lang,
                           names="、".join(sorted({n.to.name for n in report.notices}))))
        if report.unbound:
            typer.echo(raw("cli.not_told", st.lang, names="、".join(sorted(set(report.unbound)))))
    elif not as_json:
        typer.echo(raw("cli.import_failed", st.lang, kind=kind_name, count=len(report.errors)),
                   err=True)
        for e in report.errors:
            typer.echo(raw("cli.row_error", st.lang, row=e.row,
                           reason=st.problem(e.code, e.values)), err=True)
    sent = deliver(st, done.sent, as_json)
    if as_json:
        emit(report.as_dict() | {
            "errors": [{"row": e.row, "code": e.code, "reason": st.problem(e.code, e.values)}
                       for e in report.errors],
            "warnings": [{"row": e.row, "code": e.code, "reason": st.problem(e.code, e.values)}
                         for e in report.warnings]} | sent)
    if not report.ok:
        raise typer.Exit(1)


def cycle_create(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
    years: Annotated[int, typer.Option(help="Length in years.")] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Open a service cycle (two years by default)."""
    from bot.services import cycles

    st = state(ctx)
    day = parse_date(st, start)
    try:
        view = cycles.create(st.services(migrated=True), day, years, actor=st.actor())
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    if as_json:
        emit({"id": view.id, "start": str(view.start), "end": str(view.end)})
    else:
        typer.echo(raw("cli.cycle_created", st.lang, id=view.id, start=view.start, end=view.end))


def cycle_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the service cycles."""
    from bot.services import cycles

    st = state(ctx)
    views = cycles.list_all(st.services(migrated=True))
    if as_json:
        emit([{"id": v.id, "start": str(v.start), "end": str(v.end)} for v in views])
        return
    if not views:
        typer.echo(raw("cli.no_cycles", st.lang))
    for v in views:
        typer.echo(raw("cli.cycle_line", st.lang, id=v.id, start=v.start, end=v.end))


def invite(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Argument(help="The person's name or phone.")] = None,
    entity: Annotated[str | None, typer.Option(help="Invite a contact of this entity.")] = None,
    region: Annotated[str | None, typer.Option(
        help="Invite a contact of this service region (the county's IP department), who "
             "confirms the envoy's visits.")] = None,
    days: Annotated[int | None, typer.Option(help="Days until the code expires.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a single-use invite link for a person, or for a contact of an entity or of a
    region."""
    from bot.services import invites

    st = state(ctx)
    svc = st.services(migrated=True)
    try:
        issued = invites.issue(svc, person=person, entity=entity, region=region, days=days,
                               actor=st.actor())
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    username = st.bot_username()
    link = issued.link(username)
    expires = issued.expires_at.astimezone(svc.clock.tz).strftime("%Y-%m-%d %H:%M")
    if as_json:
        emit({"code": issued.code, "link": link, "target": issued.target,
              "expires_at": issued.expires_at.isoformat()})
    else:
        typer.echo(raw("cli.invite", st.lang, target=issued.target, expires=expires, link=link))


def run(
    ctx: typer.Context,
    webhook: Annotated[bool, typer.Option(
        "--webhook", help="Take updates over HTTP (IPBOT_WEBHOOK_URL, IPBOT_WEBHOOK_LISTEN, "
                          "IPBOT_WEBHOOK_SECRET) instead of long polling.")] = False,
) -> None:
    """Start the bot (long polling against IPBOT_API_BASE_URL, or a webhook with --webhook).
    Migrates the database first.

    A second instance on the same database waits as a standby and takes over when the first
    stops. GET /healthz reports on the instance (the webhook listener, or IPBOT_HEALTH_LISTEN
    when polling)."""
    from bot.config import ConfigError
    from bot.runner import run_bot
    from bot.store import migrate
    from scheduler.policy import PolicyError, load_policy

    st = state(ctx)
    settings = st.settings()
    try:
        settings.require_token()
        hook = settings.require_webhook() if webhook else None
    except ConfigError as exc:
        fail(st, raw("cli.config_error", st.lang, error=str(exc)), code=2)
    try:
        policy = load_policy(settings.policy_file) if settings.policy_file else None
    except PolicyError as exc:
        fail(st, raw("cli.config_error", st.lang, error=str(exc)), code=2)
    from bot.cli.common import one_line
    from bot.runner import Unreachable

    try:
        migrate.upgrade(settings.database_url)
    except Exception as exc:  # the database cannot be opened or upgraded
        fail(st, raw("cli.database_unusable", st.lang, error=one_line(exc)))
    try:
        code = run_bot(settings, policy, webhook=hook)
    except Unreachable as exc:
        fail(st, raw("cli.api_unreachable", st.lang, url=settings.api_base_url,
                     error=str(exc)))
    if code:
        raise typer.Exit(code)
