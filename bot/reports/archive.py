"""服务档案: the service archive of a person, an entity or a region as an .xlsx (pure), and
the quarter's typical cases (典型案例).

The archive has every visit (date, mode, tasks, summary, needs, follow-up items, location,
photo file ids, edit history and the served side's confirmation), every consultation thread,
and, for a person, their evaluation results. Written in write-only mode: an archive of a city
holds tens of thousands of visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.reports.i18n import rraw
from bot.reports.text import label
from scheduler.policy import GradeDef, TaskDef

if TYPE_CHECKING:
    from bot.reports.xlsx import Col


@dataclass(frozen=True, slots=True)
class ArchiveVisit:
    number: str
    visit_date: date
    person: str
    role: str
    target: str
    city: str | None
    county: str | None
    mode: str
    tasks: tuple[str, ...]  # keys
    summary: str
    needs: str | None
    followups: tuple[tuple[str, str], ...]  # (text, status)
    latitude: float | None
    longitude: float | None
    location_live: bool | None
    photos: tuple[str, ...]  # Telegram file ids
    # (contact, status, rating, comment)
    confirmations: tuple[tuple[str, str, int | None, str | None], ...]
    highlight: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class ArchiveEdit:
    number: str
    at: datetime
    action: str  # edit | delete
    by: str
    fields: tuple[str, ...]
    reason: str | None


@dataclass(frozen=True, slots=True)
class ArchiveMessage:
    consultation: int
    at: datetime
    sender: str  # asker | owner
    who: str
    text: str


@dataclass(frozen=True, slots=True)
class ArchiveConsultation:
    id: int
    entity: str
    city: str | None
    county: str | None
    asker: str
    question: str
    status: str
    owner: str | None
    asked_at: datetime
    claimed_at: datetime | None
    last_answer_at: datetime | None
    closed_at: datetime | None
    solved: bool
    rating: int | None


@dataclass(frozen=True, slots=True)
class ArchiveEvaluation:
    role: str
    period: str
    grade: str  # key
    comment: str | None
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ArchiveInput:
    kind: str  # person | entity | region
    name: str
    now: datetime  # aware, local
    tasks: tuple[TaskDef, ...]
    grades: tuple[GradeDef, ...]
    visits: tuple[ArchiveVisit, ...] = ()
    edits: tuple[ArchiveEdit, ...] = ()
    consultations: tuple[ArchiveConsultation, ...] = ()
    messages: tuple[ArchiveMessage, ...] = ()
    evaluations: tuple[ArchiveEvaluation, ...] = ()

    def task_label(self, key: str, lang: str) -> str:
        found = next((t for t in self.tasks if t.key == key), None)
        return (found.en if lang == "en" else found.zh) if found else key

    def grade_label(self, key: str, lang: str) -> str:
        found = next((g for g in self.grades if g.key == key), None)
        return found.label(lang) if found else key


def _r(key: str, lang: str, **values: Any) -> str:
    return rraw(f"archive.{key}", lang, **values)


def _c(key: str, lang: str, kind: Any = "text") -> Col:
    from bot.reports.xlsx import Col

    return Col(rraw(f"archive.col.{key}", lang), kind)


def _status(kind: str, value: str, lang: str) -> str:
    try:
        return rraw(f"pack.{kind}.{value}", lang)
    except KeyError:
        return value


def archive_workbook(inp: ArchiveInput, lang: str = "zh") -> bytes:
    from bot.reports.xlsx import add_sheet, local, new_workbook, to_bytes  # openpyxl: on use

    tz = inp.now.tzinfo
    sep = rraw("digest.list_sep", lang)
    wb = new_workbook(inp.now)
    total = rraw("pack.total", lang)
    live = [v for v in inp.visits if v.deleted_at is None]
    on_site = sum(1 for v in live if v.mode == "on_site")
    add_sheet(wb, _r("sheet.summary", lang), [_c("item", lang), _c("value", lang)], [
        (_r("f.kind", lang), _r(f"kind.{inp.kind}", lang)),
        (_r("f.name", lang), inp.name),
        (_r("f.as_of", lang), inp.now.strftime("%Y-%m-%d %H:%M")),
        (_r("f.visits", lang), _r("visits_value", lang, total=len(live), on_site=on_site,
                                  deleted=len(inp.visits) - len(live))),
        (_r("f.edits", lang), str(sum(1 for e in inp.edits if e.action == "edit"))),
        (_r("f.consultations", lang), str(len(inp.consultations))),
        (_r("f.evaluations", lang), str(len(inp.evaluations))),
        (_r("f.cases", lang), str(sum(1 for v in live if v.highlight))),
    ])

    def confirmations(v: ArchiveVisit) -> str:
        return "\n".join(
            f"{contact}: {_status('confirm', status, lang)}"
            + (f" {rating}★" if rating else "") + (f" “{comment}”" if comment else "")
            for contact, status, rating, comment in v.confirmations)

    def edits_of(number: str) -> str:
        return "\n".join(
            f"{local(e.at, tz):%Y-%m-%d %H:%M} {_status('action', e.action, lang)}"
            + (f" [{sep.join(_status('field', f, lang) for f in e.fields)}]" if e.fields else "")
            + (f"：{e.reason}" if e.reason else "")
            for e in by_number.get(number, ()))

    by_number: dict[str, list[ArchiveEdit]] = {}
    for e in inp.edits:
        by_number.setdefault(e.number, []).append(e)
    add_sheet(wb, _r("sheet.visits", lang), [
        _c("number", lang), _c("visit_date", lang, "date"), _c("person", lang),
        _c("role", lang), _c("target", lang), _c("city", lang), _c("county", lang),
        _c("mode", lang), _c("tasks", lang), _c("summary", lang, "long"),
        _c("needs", lang, "long"), _c("followups", lang, "long"),
        _c("latitude", lang, "float"), _c("longitude", lang, "float"),
        _c("live", lang), _c("photos", lang, "long"), _c("confirmation", lang, "long"),
        _c("edits", lang, "long"), _c("highlight", lang, "long"),
        _c("created_at", lang, "datetime"), _c("updated_at", lang, "datetime"),
        _c("deleted_at", lang, "datetime")],
        [(v.number, v.visit_date, v.person, label("role", v.role, lang), v.target, v.city,
          v.county, label("mode", v.mode, lang), sep.join(inp.task_label(k, lang)
                                                            for k in v.tasks),
          v.summary, v.needs,
          "\n".join(f"{text}（{_status('followup', status, lang)}）"
                    for text, status in v.followups) or None,
          v.latitude, v.longitude,
          None if v.location_live is None else rraw("pack.yes" if v.location_live
                                                    else "pack.no", lang),
          "\n".join(v.photos) or None, confirmations(v) or None, edits_of(v.number) or None,
          v.highlight, local(v.created_at, tz), local(v.updated_at, tz),
          local(v.deleted_at, tz)) for v in inp.visits],
        totals=(total, None, None, None, None, None, None,
                _r("visits_value", lang, total=len(live), on_site=on_site,
                   deleted=len(inp.visits) - len(live)),
                None, None, None, None, None, None, None, None, None, None, None, None, None,
                None))
    add_sheet(wb, _r("sheet.edits", lang), [
        _c("number", lang), _c("at", lang, "datetime"), _c("action", lang), _c("by", lang),
        _c("fields", lang), _c("reason", lang, "long")],
        [(e.number, local(e.at, tz), _status("action", e.action, lang), e.by,
          sep.join(_status("field", f, lang) for f in e.fields) or None, e.reason)
         for e in inp.edits],
        totals=(total, len(inp.edits), None, None, None, None))
    add_sheet(wb, _r("sheet.consultations", lang), [
        _c("id", lang, "int"), _c("entity", lang), _c("city", lang), _c("county", lang),
        _c("asker", lang), _c("question", lang, "long"), _c("status", lang),
        _c("owner", lang), _c("asked_at", lang, "datetime"),
        _c("claimed_at", lang, "datetime"), _c("answered_at", lang, "datetime"),
        _c("closed_at", lang, "datetime"), _c("solved", lang), _c("rating", lang, "int")],
        [(c.id, c.entity, c.city, c.county, c.asker, c.question,
          _status("consult", c.status, lang), c.owner, local(c.asked_at, tz),
          local(c.claimed_at, tz), local(c.last_answer_at, tz), local(c.closed_at, tz),
          rraw("pack.yes" if c.solved else "pack.no", lang), c.rating)
         for c in inp.consultations],
        totals=(total, len(inp.consultations), None, None, None, None, None, None, None, None,
                None, None, None, None))
    add_sheet(wb, _r("sheet.messages", lang), [
        _c("consultation", lang, "int"), _c("at", lang, "datetime"), _c("sender", lang),
        _c("who", lang), _c("text", lang, "long")],
        [(m.consultation, local(m.at, tz), _r(f"sender.{m.sender}", lang), m.who, m.text)
         for m in inp.messages],
        totals=(total, len(inp.messages), None, None, None))
    if inp.kind == "person":
        add_sheet(wb, _r("sheet.evaluations", lang), [
            _c("role", lang), _c("period", lang), _c("grade", lang),
            _c("comment", lang, "long"), _c("recorded_by", lang),
            _c("recorded_at", lang, "datetime"), _c("updated_at", lang, "datetime")],
            [(label("role", e.role, lang), e.period, inp.grade_label(e.grade, lang), e.comment,
              e.recorded_by, local(e.recorded_at, tz), local(e.updated_at, tz))
             for e in inp.evaluations])
    return to_bytes(wb)


# ── typical cases ─────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class CaseRow:
    number: str
    visit_date: date
    person: str
    role: str
    unit: str
    target: str
    city: str | None
    county: str | None
    mode: str
    tasks: tuple[str, ...]
    summary: str
    highlight: str
    flagged_at: datetime
    confirmation: str  # confirmed | disputed | pending | none


def cases_workbook(rows: tuple[CaseRow, ...], quarter: str, now: datetime,
                   tasks: tuple[TaskDef, ...], lang: str = "zh") -> bytes:
    """The quarter's typical cases (by visit date), one row each."""
    from bot.reports.xlsx import add_sheet, local, new_workbook, to_bytes

    tz = now.tzinfo
    sep = rraw("digest.list_sep", lang)
    names = {t.key: (t.en if lang == "en" else t.zh) for t in tasks}
    wb = new_workbook(now)
    add_sheet(wb, _r("sheet.cases", lang, quarter=quarter), [
        _c("number", lang), _c("visit_date", lang, "date"), _c("person", lang),
        _c("role", lang), _c("unit", lang), _c("target", lang), _c("city", lang),
        _c("county", lang), _c("mode", lang), _c("tasks", lang), _c("highlight", lang, "long"),
        _c("summary", lang, "long"), _c("confirmation", lang),
        _c("flagged_at", lang, "datetime")],
        [(c.number, c.visit_date, c.person, label("role", c.role, lang), c.unit, c.target,
          c.city, c.county, label("mode", c.mode, lang),
          sep.join(names.get(k, k) for k in c.tasks), c.highlight, c.summary,
          _status("confirm", c.confirmation, lang), local(c.flagged_at, tz)) for c in rows],
        totals=(rraw("pack.total", lang), len(rows), None, None, None, None, None, None, None,
                None, None, None, None, None))
    return to_bytes(wb)
