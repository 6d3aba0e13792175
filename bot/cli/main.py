"""``ipbot``: the administrators' command line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import CliState, emit, fail, state
from bot.i18n import raw
from bot.services import cycles, invites, rosters
from bot.services.errors import ServiceError
from bot.store import migrate

app = typer.Typer(help="IP Field Assistant (知识产权服务助手) — administration.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
cycle_app = typer.Typer(help="Service cycles (服务周期).", no_args_is_help=True)
reminders_app = typer.Typer(help="Visit reminders.", no_args_is_help=True)
digest_app = typer.Typer(help="Supervisor digests.", no_args_is_help=True)
knowledge_app = typer.Typer(help="The FAQ knowledge folder.", no_args_is_help=True)
faq_app = typer.Typer(help="Policy questions.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(cycle_app, name="cycle")
app.add_typer(reminders_app, name="reminders")
app.add_typer(digest_app, name="digest")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(faq_app, name="faq")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.callback()
def _main(
    ctx: typer.Context,
    lang: Annotated[str, typer.Option("--lang", help="Output language: zh or en.")] = "zh",
) -> None:
    ctx.obj = CliState(lang="en" if lang.lower().startswith("en") else "zh")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (ipbot run does this too)."""
    st = state(ctx)
    url = st.settings().database_url
    migrate.upgrade(url)
    typer.echo(raw("cli.db_upgraded", st.lang, revision=migrate.current_revision(url)))


@app.command("import")
def import_roster(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="people | entities | regions | assignments")],
    file: Annotated[Path, typer.Argument(help="A .csv (UTF-8 or GBK) or .xlsx file.")],
    as_json: JsonOpt = False,
) -> None:
    """Import a roster file. Any bad row: nothing is imported and every bad row is listed."""
    st = state(ctx)
    if kind not in rosters.rosters.KINDS:
        fail(st, f"KIND must be one of: {', '.join(rosters.rosters.KINDS)}")
    svc = st.services(migrated=True)
    try:
        report = rosters.import_file(svc, kind, file, actor="cli")  # type: ignore[arg-type]
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    kind_name = raw(f"kind.{kind}", st.lang)
    if as_json:
        emit(report.as_dict() | {
            "errors": [{"row": e.row, "code": e.code, "reason": st.problem(e.code, e.values)}
                       for e in report.errors]})
    elif report.ok:
        typer.echo(raw("cli.import_ok", st.lang, kind=kind_name, created=report.created,
                       updated=report.updated, unchanged=report.unchanged))
    else:
        typer.echo(raw("cli.import_failed", st.lang, kind=kind_name, count=len(report.errors)),
                   err=True)
        for e in report.errors:
            typer.echo(raw("cli.row_error", st.lang, row=e.row,
                           reason=st.problem(e.code, e.values)), err=True)
    if not report.ok:
        raise typer.Exit(1)


@cycle_app.command("create")
def cycle_create(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")],
    years: Annotated[int, typer.Option(help="Length in years.")] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Open a service cycle (two years by default)."""
    st = state(ctx)
    day = _parse_date(st, start)
    try:
        view = cycles.create(st.services(migrated=True), day, years, actor="cli")
    except ServiceError as exc:
        fail(st, st.problem(exc.code, exc.values))
    if as_json:
        emit({"id": view.id, "start": str(view.start), "end": str(view.end)})
    else:
        typer.echo(raw("cli.cycle_created", st.lang, id=view.id, start=view.start, end=view.end))


@cycle_app.command("list")
def cycle_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the service cycles."""
    st = state(ctx)
    views = cycles.list_all(st.services(migrated=True))
    if as_json:
        emit([{"id": v.id, "start": str(v.start), "end": str(v.end)} for v in views])
        return
    if not views:
        typer.echo(raw("cli.no_cycles", st.lang))
    for v in views:
        typer.echo(raw("cli.cycle_line", st.lang, id=v.id, start=v.start, end=v.end))


@app.command("invite")
def invite(
    ctx: typer.Context,
    person: Annotated[str | None, typer.Argument(help="The person's name or phone.")] = None,
    entity: Annotated[str | None, typer.Option(help="Invite a contact of this entity.")] = None,
    days: Annotated[int | None, typer.Option(help="Days until the code expires.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a single-use invite link for a person, or for a contact of an entity."""
    st = state(ctx)
    svc = st.services(migrated=True)
    try:
        issued = invites.issue(svc, person=person, entity=entity, days=days, actor="cli")
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


@app.command("run")
def run(ctx: typer.Context) -> None:
    """Start the bot (long polling against IPBOT_API_BASE_URL). Migrates the database first."""
    from bot.runner import run_polling
    from scheduler.policy import PolicyError, load_policy

    st = state(ctx)
    settings = st.settings()
    try:
        settings.require_token()
    except Exception as exc:  # ConfigError
        fail(st, raw("cli.config_error", st.lang, error=str(exc)), code=2)
    try:
        policy = load_policy(settings.policy_file) if settings.policy_file else None
    except PolicyError as exc:
        fail(st, raw("cli.config_error", st.lang, error=str(exc)), code=2)
    migrate.upgrade(settings.database_url)
    run_polling(settings, policy)


AtOpt = Annotated[str | None, typer.Option(
    "--at", help="Evaluate as of this instant (YYYY-MM-DD[THH:MM], local time); default now.")]


@app.command("status")
def status(ctx: typer.Context, person: Annotated[str, typer.Argument(
        help="The person's name or phone.")], at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """Print a person's obligation states (as /status shows them)."""
    from bot.jobs.reminders import period_label
    from bot.services import obligations

    st = state(ctx)
    svc = st.services(migrated=True, at=_parse_at(st, at))
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


@reminders_app.command("run")
def reminders_run(ctx: typer.Context, at: AtOpt = None,
                  dry_run: Annotated[bool, typer.Option(
                      "--dry-run", help="Only print what would be sent.")] = False,
                  as_json: JsonOpt = False) -> None:
    """One reminder pass through the Bot API (the same code path as the daily job)."""
    import asyncio

    from bot.jobs.reminders import reminder_pass

    st = state(ctx)
    svc = st.services(migrated=True, at=_parse_at(st, at))

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


@digest_app.command("send")
def digest_send(ctx: typer.Context, at: AtOpt = None,
                to: Annotated[str | None, typer.Option(
                    "--to", help="Only this supervisor (name or phone).")] = None,
                as_json: JsonOpt = False) -> None:
    """Send digests as of that instant to every bound supervisor (or to one)."""
    import asyncio

    from bot.jobs.digest import digest_pass

    st = state(ctx)
    svc = st.services(migrated=True, at=_parse_at(st, at))

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


@knowledge_app.command("lint")
def knowledge_lint(ctx: typer.Context, folder: Annotated[Path | None, typer.Argument(
        help="Default: IPBOT_KNOWLEDGE_DIR.")] = None, as_json: JsonOpt = False) -> None:
    """Check the folder: ids, required fields, sources, (near-)duplicate questions."""
    from bot.faq import lint_folder, load_folder

    st = state(ctx)
    path = folder or st.settings().knowledge_dir
    problems = lint_folder(path)
    if as_json:
        emit([{"file": p.file, "line": p.line, "problem": p.message} for p in problems])
    elif problems:
        for p in problems:
            typer.echo(str(p), err=True)
    else:
        kb = load_folder(path)
        typer.echo(raw("cli.lint_ok", st.lang, entries=len(kb), files=len(kb.sources)))
    if problems:
        raise typer.Exit(1)


@knowledge_app.command("gaps")
def knowledge_gaps(ctx: typer.Context, since: Annotated[str | None, typer.Option(
        help="Only gaps since this date, YYYY-MM-DD.")] = None, as_json: JsonOpt = False) -> None:
    """Questions the bot could not answer, voted 👎, or whose suggestions were all wrong."""
    from bot.services import faq

    st = state(ctx)
    svc = st.services(migrated=True)
    found = faq.gaps(svc, _parse_at(st, since))
    if as_json:
        emit([{"question": g.question, "count": g.count, "reasons": g.reasons,
               "last": g.last.isoformat()} for g in found])
        return
    if not found:
        typer.echo(raw("cli.gaps_none", st.lang))
    for g in found:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(g.reasons.items()))
        typer.echo(raw("cli.gap_line", st.lang, count=g.count, question=g.question,
                       reasons=reasons, last=g.last.astimezone(svc.clock.tz)
                       .strftime("%Y-%m-%d %H:%M")))


@knowledge_app.command("proposals")
def knowledge_proposals(ctx: typer.Context, export: Annotated[Path | None, typer.Option(
        "--export", help="Write them as a knowledge file for an editor to complete.")] = None,
        as_json: JsonOpt = False) -> None:
    """Answers commissioners proposed for the knowledge base (加入知识库), for review."""
    import yaml

    from bot.services import consultations

    st = state(ctx)
    svc = st.services(migrated=True)
    rows = consultations.proposals(svc, mark_exported=export is not None)
    if as_json:
        emit([{"id": r.id, "consultation": r.consultation_id, "question": r.question,
               "answer": r.answer, "created_at": r.created_at.isoformat()} for r in rows])
        return
    if not rows:
        typer.echo(raw("cli.proposals_none", st.lang))
        return
    if export is None:
        for r in rows:
            typer.echo(f"#{r.id} · {r.question}\n    {r.answer}")
        return
    day = svc.clock.now().date()
    document = {
        "source": {"id": "proposals", "title": "TODO: 出处文件标题", "issuer": "TODO: 发文单位",
                   "number": None, "date": None, "region": None},
        "entries": [{
            "id": f"proposal-{day:%Y%m%d}-{r.id}", "question": r.question,
            "alternates": ["TODO: 同义问法一", "TODO: 同义问法二", "TODO: 同义问法三"],
            "answer": r.answer, "section": "TODO: 章节", "audience": "everyone",
            "tags": ["咨询转入"]} for r in rows]}
    header = ("# Proposals from answered consultations (解答咨询). An editor completes every\n"
              "# TODO (source, alternates, section), checks the answer against the policy,\n"
              "# runs `ipbot knowledge lint`, then commits the file into knowledge/.\n")
    export.write_text(header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False,
                                               width=100), encoding="utf-8")
    typer.echo(raw("cli.proposals_exported", st.lang, count=len(rows), path=export))


@faq_app.command("ask")
def faq_ask(ctx: typer.Context, question: Annotated[str, typer.Argument(help="The question.")],
            as_role: Annotated[str, typer.Option(
                "--as", help="Ask as: staff (commissioner/envoy/supervisor/admin), enterprise "
                             "(an entity contact) or public (no invite).")] = "public",
            as_json: JsonOpt = False) -> None:
    """Answer exactly as the bot would (without logging the question)."""
    from bot.handlers.faq import render_entry

    st = state(ctx)
    viewers = {"staff": "staff", "commissioner": "staff", "envoy": "staff",
               "supervisor": "staff", "admin": "staff", "enterprise": "enterprise",
               "contact": "enterprise", "public": "public", "guest": "public"}
    if as_role not in viewers:
        fail(st, f"--as must be one of: {', '.join(viewers)}")
    svc = st.services()
    result = svc.knowledge.match(question, viewers[as_role])
    if as_json:
        emit({"status": result.status, "matches": [
            {"id": m.entry.id, "question": m.entry.question, "answer": m.entry.answer,
             "source": " ".join(x for x in (m.entry.source.title, m.entry.source.number or "",
                                            m.entry.section or "") if x),
             "score": round(m.score, 4)} for m in result.matches]})
        return
    typer.echo(f"[{result.status}]")
    if result.status == "answer":
        typer.echo(render_entry(result.matches[0].entry, st.lang).replace("<b>", "")
                   .replace("</b>", ""))
    for m in result.matches[1:] if result.status == "answer" else result.matches:
        typer.echo(f"  {m.score:.2f}  {m.entry.id}  {m.entry.question}")


def _parse_at(st: CliState, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(st, raw("cli.bad_at", st.lang, value=value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=st.settings().tz)


def _parse_date(st: CliState, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(st, raw("cli.bad_date", st.lang, value=value))
        raise  # unreachable


def main() -> None:
    app()



