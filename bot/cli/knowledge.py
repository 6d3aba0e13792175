"""The FAQ: linting the knowledge folder, gaps, proposals, asking as the bot would."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import JsonOpt, emit, fail, parse_at, state
from bot.i18n import raw


def knowledge_lint(ctx: typer.Context, folder: Annotated[Path | None, typer.Argument(
        help="Default: IPBOT_KNOWLEDGE_DIR.")] = None, as_json: JsonOpt = False) -> None:
    """Check the folder: ids, required fields, sources, (near-)duplicate questions, statute
    citations and quotes (character for character), audiences of public documents."""
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
        if kb.statutes:
            typer.echo(raw("cli.lint_statutes", st.lang, statutes=len(kb.statutes),
                           articles=kb.statutes.article_count))
    if problems:
        raise typer.Exit(1)


def knowledge_gaps(ctx: typer.Context, since: Annotated[str | None, typer.Option(
        help="Only gaps since this date, YYYY-MM-DD.")] = None, as_json: JsonOpt = False) -> None:
    """Questions the bot could not answer, voted 👎, or whose suggestions were all wrong."""
    from bot.services import faq

    st = state(ctx)
    svc = st.services(migrated=True)
    found = faq.gaps(svc, parse_at(st, since))
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


def faq_ask(ctx: typer.Context, question: Annotated[str, typer.Argument(help="The question.")],
            as_role: Annotated[str, typer.Option(
                "--as", help="Ask as: staff (commissioner/envoy/supervisor/admin), enterprise "
                             "(an entity contact) or public (no invite).")] = "public",
            as_json: JsonOpt = False) -> None:
    """Answer exactly as the bot would (without logging the question)."""
    from bot.faq.render import answer_text, citation

    st = state(ctx)
    viewers = {"staff": "staff", "commissioner": "staff", "envoy": "staff",
               "supervisor": "staff", "admin": "staff", "enterprise": "enterprise",
               "contact": "enterprise", "public": "public", "guest": "public"}
    if as_role not in viewers:
        fail(st, f"--as must be one of: {', '.join(viewers)}")
    from bot.services.knowledge import Knowledge  # the matcher only: no database

    result = Knowledge(st.settings().knowledge_dir).match(question, viewers[as_role])
    if as_json:
        emit({"status": result.status, "matches": [
            {"id": m.entry.id, "kind": m.entry.kind, "question": m.entry.question,
             "answer": m.entry.answer,
             "source": citation(m.entry.source, m.entry.section) or " ".join(
                 x for x in (m.entry.source.title, m.entry.source.number or "",
                             m.entry.section or "") if x),
             "score": round(m.score, 4)} for m in result.matches]})
        return
    typer.echo(f"[{result.status}]")
    if result.status == "answer":
        typer.echo(html.unescape(answer_text(result.matches[0].entry, st.lang)
                                 .replace("<b>", "").replace("</b>", "")))
    for m in result.matches[1:] if result.status == "answer" else result.matches:
        typer.echo(f"  {m.score:.2f}  {m.entry.id}  {m.entry.question}")
