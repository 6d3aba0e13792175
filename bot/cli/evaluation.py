"""Evaluations and archives: ``ipbot evaluation pack|record|letters`` and ``ipbot archive
export|cases``. Scripts rely on these names and on their ``--json`` output; every failure is
one line on stderr and a non-zero exit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import AtOpt, CliState, JsonOpt, emit, fail, parse_at, state
from bot.i18n import raw
from bot.services.errors import ServiceError

LangOpt = Annotated[str | None, typer.Option(
    "--lang", help="Output language of the files and messages: zh or en.")]
PeriodOpt = Annotated[str | None, typer.Option(
    "--period", help="2026 (a year: envoys) or 2026-2027 (a cycle: commissioners); default "
                     "the latest period that has ended.")]


def _state(ctx: typer.Context, lang: str | None) -> CliState:
    st = state(ctx)
    if lang is not None:
        st.lang = "en" if lang.lower().startswith("en") else "zh"
    return st


def _write(st: CliState, path: Path, data: bytes) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        fail(st, raw("cli.cannot_write", st.lang, path=path, error=exc.strerror or exc))
    return str(path)


def _service_error(st: CliState, exc: ServiceError) -> None:
    fail(st, st.problem(exc.code, exc.values))


# ── ipbot evaluation … ────────────────────────────────────────────────


def pack(ctx: typer.Context,
         person: Annotated[str, typer.Argument(help="The person's name or phone.")],
         period: PeriodOpt = None,
         out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("."),
         at: AtOpt = None, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """Write one person's evaluation pack: DIR/<name>-<period>.xlsx and .pdf."""
    from bot.reports.evaluation import (
        file_stem,
        pack_figures,
        pack_pdf,
        pack_workbook,
        rows_for_json,
    )
    from bot.services import evaluations

    st = _state(ctx, lang)
    svc = st.services(migrated=True, at=parse_at(st, at))
    try:
        sub = evaluations.subject(svc, person, period)
        inp = evaluations.pack_input(svc, sub)
    except ServiceError as exc:
        _service_error(st, exc)
    stem = file_stem(inp)
    files = [_write(st, out / f"{stem}.xlsx", pack_workbook(inp, st.lang)),
             _write(st, out / f"{stem}.pdf", pack_pdf(inp, st.lang))]
    fig = pack_figures(inp)
    if as_json:
        emit({"files": files, **rows_for_json(fig), "person": inp.person, "role": inp.role,
              "period": inp.period_code,
              "grade": inp.record.grade.key if inp.record else None})
        return
    typer.echo(raw("cli.pack_written", st.lang, files=raw("sep.list", st.lang).join(files),
                   visits=fig.visits,
                   on_site=fig.on_site, met=fig.windows_met, total=fig.windows_total,
                   confirmed=fig.confirmed, disputed=fig.disputed,
                   consultations=fig.consultations, on_time=fig.answered_on_time))


def record(ctx: typer.Context,
           person: Annotated[str, typer.Argument(help="The person's name or phone.")],
           period: Annotated[str, typer.Option("--period", help="2026 or 2026-2027.")],
           grade: Annotated[str, typer.Option(
               "--grade", help="A grade of the policy's scale (优秀 / 称职 / 基本称职 / 不称职 "
                               "by default), by name or key.")],
           by: Annotated[str, typer.Option(
               "--by", help="The supervisor of the province who records it (name or phone).")],
           comment: Annotated[str | None, typer.Option("--comment", help="A comment.")] = None,
           reason: Annotated[str | None, typer.Option(
               "--reason", help="Why a recorded result changes (required for a change).")
           ] = None,
           at: AtOpt = None, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """Record a person's evaluation result for a period (a change needs --reason)."""
    from bot.services import evaluations

    st = _state(ctx, lang)
    svc = st.services(migrated=True, at=parse_at(st, at))
    try:
        sub = evaluations.subject(svc, person, period)
        done = evaluations.record(svc, sub, grade, by, comment=comment, reason=reason)
    except ServiceError as exc:
        _service_error(st, exc)
    value = done.value
    grades = {g.key: g.label(st.lang) for g in svc.policy.grades}
    if as_json:
        emit({"outcome": value.outcome, "person": value.person, "role": value.role,
              "period": value.period, "grade": value.grade, "previous": value.previous,
              "comment": value.comment, "evaluation_id": value.evaluation_id})
        return
    typer.echo(raw(f"cli.eval_{value.outcome}", st.lang, name=value.person,
                   period=value.period, grade=grades.get(value.grade, value.grade),
                   previous=grades.get(value.previous or "", value.previous or "")))


def letters(ctx: typer.Context,
            period: Annotated[str, typer.Option("--period", help="2026 or 2026-2027.")],
            out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("."),
            at: AtOpt = None, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """Write one feedback letter (PDF) per dispatching unit for the period."""
    from bot.reports.letters import file_name, letter_pdf
    from bot.services import evaluations

    st = _state(ctx, lang)
    svc = st.services(migrated=True, at=parse_at(st, at))
    try:
        found = evaluations.letters(svc, period)
    except ServiceError as exc:
        _service_error(st, exc)
    units = [(x.unit, x.period_code) for x in found]
    files = [_write(st, out / file_name(x, with_role=units.count((x.unit, x.period_code)) > 1),
                    letter_pdf(x, st.lang)) for x in found]
    people = sum(len(x.people) for x in found)
    evaluated = sum(1 for x in found for p in x.people if p.grade)
    if as_json:
        emit({"files": files, "units": len(found), "people": people, "evaluated": evaluated,
              "period": period})
        return
    typer.echo(raw("cli.letters_written", st.lang, count=len(files), people=people,
                   evaluated=evaluated, folder=out))


# ── ipbot archive … ───────────────────────────────────────────────────


def archive_export(
        ctx: typer.Context,
        entity: Annotated[str | None, typer.Option("--entity", help="An entity's name.")] = None,
        region: Annotated[str | None, typer.Option(
            "--region", help="A service region, county or city.")] = None,
        person: Annotated[str | None, typer.Option(
            "--person", help="A person's name or phone.")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="The .xlsx file to write.")
                       ] = None,
        at: AtOpt = None, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """Export the service archive of an entity, a region or a person as .xlsx."""
    from bot.reports.archive import archive_workbook
    from bot.services import archive

    st = _state(ctx, lang)
    named = [(k, v) for k, v in (("entity", entity), ("region", region), ("person", person))
             if v is not None]
    if len(named) != 1:
        fail(st, raw("cli.archive_one_target", st.lang))
    if out is None or out.suffix.lower() != ".xlsx":
        fail(st, raw("cli.archive_out", st.lang))
    svc = st.services(migrated=True, at=parse_at(st, at))
    kind, name = named[0]
    try:
        target = archive.resolve(svc, kind, name)
        inp = archive.export(svc, target)
    except ServiceError as exc:
        _service_error(st, exc)
    path = _write(st, out, archive_workbook(inp, st.lang))
    live = [v for v in inp.visits if v.deleted_at is None]
    data: dict[str, Any] = {
        "file": path, "kind": kind, "name": target.name, "visits": len(live),
        "deleted_visits": len(inp.visits) - len(live), "edits": len(inp.edits),
        "consultations": len(inp.consultations), "evaluations": len(inp.evaluations)}
    if as_json:
        emit(data)
        return
    typer.echo(raw("cli.archive_written", st.lang, file=path, name=target.name,
                   visits=len(live), consultations=len(inp.consultations)))


def archive_cases(
        ctx: typer.Context,
        quarter: Annotated[str, typer.Option("--quarter", help="A quarter: 2026-Q1.")],
        out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
        at: AtOpt = None, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """Export the typical cases (典型案例) of a quarter (by visit date) as .xlsx."""
    from bot.reports.archive import cases_workbook
    from bot.services import cases

    st = _state(ctx, lang)
    if out.suffix.lower() != ".xlsx":
        fail(st, raw("cli.archive_out", st.lang))
    svc = st.services(migrated=True, at=parse_at(st, at))
    try:
        period = cases.quarter(quarter)
    except ServiceError as exc:
        _service_error(st, exc)
    rows = cases.export(svc, period)
    tasks = tuple(t for r in ("commissioner", "envoy") for t in svc.policy.role(r).tasks)
    path = _write(st, out, cases_workbook(rows, period.label, cases.now_local(svc), tasks,
                                          st.lang))
    if as_json:
        emit({"file": path, "quarter": period.label, "cases": len(rows),
              "visits": [r.number for r in rows]})
        return
    typer.echo(raw("cli.cases_written", st.lang, file=path, quarter=period.label,
                   count=len(rows)))
