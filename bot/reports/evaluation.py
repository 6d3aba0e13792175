"""评价材料: one person's evaluation pack for one evaluation period (pure).

The service layer fills a :class:`PackInput` with plain rows; :func:`pack_figures` computes
the key figures; :func:`pack_workbook` (.xlsx: the totals sheet first, then one sheet per
part, each with its totals row first and a frozen header) and :func:`pack_pdf` (A4, Chinese
or English) render it. The parts:

* every obligation window of the period and its outcome (met, late, missed, waived; due or
  upcoming while the period runs; see :func:`scheduler.evaluations.window_outcomes`);
* visits by mode and by task;
* the served side's confirmations, disputes and ratings;
* consultations claimed and answered, and on time by the policy's working-day limits;
* follow-up items opened and closed;
* edits and deletions with their reasons;
* the recorded result (grade, comment, who and when) and its audited changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.reports.i18n import rraw
from bot.reports.model import MODES
from bot.reports.text import label
from scheduler.policy import GradeDef, TaskDef

if TYPE_CHECKING:
    from bot.reports.xlsx import Col

#: The outcomes of an obligation window, in the order the pack lists their counts.
WINDOW_STATES: tuple[str, ...] = ("met", "late", "missed", "waived", "due", "upcoming")


@dataclass(frozen=True, slots=True)
class PackWindow:
    target: str
    city: str | None
    county: str | None
    window_start: date
    window_end: date
    required: int
    counted: int  # qualifying visits dated in the window
    counted_on_time: int  # … recorded by the deadline
    state: str  # one of WINDOW_STATES
    last_visit: date | None


@dataclass(frozen=True, slots=True)
class PackVisit:
    number: str
    visit_date: date
    recorded_at: datetime
    target: str
    mode: str
    tasks: tuple[str, ...]  # task keys
    summary: str
    confirmation: str  # confirmed | disputed | pending | none (nobody asked)
    ratings: tuple[int, ...]
    highlight: str | None  # a typical case's one-line highlight


@dataclass(frozen=True, slots=True)
class PackConfirmation:
    number: str
    visit_date: date
    target: str
    contact: str
    status: str  # confirmed | disputed | pending
    rating: int | None
    comment: str | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class PackConsultation:
    id: int
    entity: str
    asked_at: datetime
    claimed_at: datetime | None
    answered_at: datetime | None  # the owner's first answer
    claim_by: datetime  # the policy's working-day limits, from the question
    answer_by: datetime
    status: str
    solved: bool
    rating: int | None

    @property
    def claimed_on_time(self) -> bool:
        return self.claimed_at is not None and self.claimed_at <= self.claim_by

    @property
    def answered_on_time(self) -> bool:
        return self.answered_at is not None and self.answered_at <= self.answer_by


@dataclass(frozen=True, slots=True)
class PackFollowUp:
    number: str
    target: str
    text: str
    status: str  # open | resolved | dropped
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class PackChange:
    at: datetime
    number: str
    action: str  # edit | delete
    fields: tuple[str, ...]  # what an edit changed
    reason: str | None


@dataclass(frozen=True, slots=True)
class PackRecord:
    """The recorded result."""

    grade: GradeDef
    comment: str | None
    recorded_by: str
    recorded_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PackRecordChange:
    at: datetime
    by: str
    grade_from: str | None  # grade keys
    grade_to: str | None
    comment_from: str | None
    comment_to: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class PackInput:
    person: str
    unit: str
    role: str  # commissioner | envoy
    period_code: str  # 2026, 2026-2027
    period_start: date
    period_end: date
    now: datetime  # aware; the pack is as of this instant
    tasks: tuple[TaskDef, ...]
    grades: tuple[GradeDef, ...]
    windows: tuple[PackWindow, ...] = ()
    visits: tuple[PackVisit, ...] = ()
    confirmations: tuple[PackConfirmation, ...] = ()
    consultations: tuple[PackConsultation, ...] = ()
    followups: tuple[PackFollowUp, ...] = ()
    changes: tuple[PackChange, ...] = ()
    record: PackRecord | None = None
    history: tuple[PackRecordChange, ...] = ()

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("PackInput.now must be timezone-aware")

    def grade_label(self, key: str | None, lang: str) -> str:
        if key is None:
            return "—"
        found = next((g for g in self.grades if g.key == key), None)
        return found.label(lang) if found else key

    def task_label(self, key: str, lang: str) -> str:
        found = next((t for t in self.tasks if t.key == key), None)
        return (found.en if lang == "en" else found.zh) if found else key


@dataclass(frozen=True, slots=True)
class PackFigures:
    """The key figures of a pack (``windows_met`` counts windows met on time; ``late`` ones
    were met by visits recorded after the deadline; ``windows_total`` is every window that
    was owed: met, late, missed and still due)."""

    visits: int
    on_site: int
    windows_met: int
    windows_total: int
    windows_late: int
    windows_missed: int
    windows_waived: int
    windows_due: int
    confirmed: int
    disputed: int
    unconfirmed: int
    ratings: int
    rating_avg: float | None
    consultations: int
    claimed_on_time: int
    answered: int
    answered_on_time: int
    followups_opened: int
    followups_closed: int
    edits: int
    deletions: int
    typical_cases: int
    by_mode: tuple[tuple[str, int], ...]
    by_task: tuple[tuple[str, int], ...]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["by_mode"] = dict(self.by_mode)
        out["by_task"] = dict(self.by_task)
        return out


def pack_figures(inp: PackInput) -> PackFigures:
    states = Counter(w.state for w in inp.windows)
    modes = Counter(v.mode for v in inp.visits)
    tasks = Counter(k for v in inp.visits for k in v.tasks)
    ratings = [r for v in inp.visits for r in v.ratings]
    known_tasks = [t.key for t in inp.tasks]
    return PackFigures(
        visits=len(inp.visits),
        on_site=modes["on_site"],
        windows_met=states["met"],
        windows_total=states["met"] + states["late"] + states["missed"] + states["due"],
        windows_late=states["late"],
        windows_missed=states["missed"],
        windows_waived=states["waived"],
        windows_due=states["due"],
        confirmed=sum(1 for v in inp.visits if v.confirmation == "confirmed"),
        disputed=sum(1 for v in inp.visits if v.confirmation == "disputed"),
        unconfirmed=sum(1 for v in inp.visits if v.confirmation == "pending"),
        ratings=len(ratings),
        rating_avg=round(sum(ratings) / len(ratings), 2) if ratings else None,
        consultations=len(inp.consultations),
        claimed_on_time=sum(1 for c in inp.consultations if c.claimed_on_time),
        answered=sum(1 for c in inp.consultations if c.answered_at is not None),
        answered_on_time=sum(1 for c in inp.consultations if c.answered_on_time),
        followups_opened=len(inp.followups),
        followups_closed=sum(1 for f in inp.followups if f.status == "resolved"),
        edits=sum(1 for c in inp.changes if c.action == "edit"),
        deletions=sum(1 for c in inp.changes if c.action == "delete"),
        typical_cases=sum(1 for v in inp.visits if v.highlight),
        by_mode=tuple([(m, modes.get(m, 0)) for m in MODES]
                      + sorted((m, n) for m, n in modes.items() if m not in MODES)),
        by_task=tuple([(k, tasks.get(k, 0)) for k in known_tasks]
                      + sorted((k, n) for k, n in tasks.items() if k not in known_tasks)),
    )


# ── shared wording ────────────────────────────────────────────────────


def _r(key: str, lang: str, **values: Any) -> str:
    return rraw(f"pack.{key}", lang, **values)


def _title(inp: PackInput, lang: str) -> str:
    return _r("title", lang, role=label("role", inp.role, lang), person=inp.person,
              period=inp.period_code)


def _period(inp: PackInput, lang: str) -> str:
    return _r("period_value", lang, code=inp.period_code, start=inp.period_start.isoformat(),
              end=inp.period_end.isoformat())


def _day(value: datetime | None, inp: PackInput) -> str:
    if value is None:
        return "—"
    return value.astimezone(inp.now.tzinfo).strftime("%Y-%m-%d %H:%M")


def _yes(flag: bool, lang: str) -> str:
    return _r("yes" if flag else "no", lang)


def _status(kind: str, value: str, lang: str) -> str:
    try:
        return _r(f"{kind}.{value}", lang)
    except KeyError:
        return value


def summary_rows(inp: PackInput, fig: PackFigures, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs of the pack's first page and the totals sheet."""
    rec = inp.record
    rows = [
        (_r("f.person", lang), inp.person),
        (_r("f.role", lang), label("role", inp.role, lang)),
        (_r("f.unit", lang), inp.unit or "—"),
        (_r("f.period", lang), _period(inp, lang)),
        (_r("f.as_of", lang), _day(inp.now, inp)),
        (_r("f.grade", lang), rec.grade.label(lang) if rec else _r("not_recorded", lang)),
    ]
    if rec is not None:
        rows += [(_r("f.comment", lang), rec.comment or "—"),
                 (_r("f.recorded", lang), _r("recorded_value", lang, by=rec.recorded_by,
                                             at=_day(rec.recorded_at, inp)))]
        if rec.updated_at != rec.recorded_at:
            rows.append((_r("f.updated", lang), _day(rec.updated_at, inp)))
    rating = "—" if fig.rating_avg is None else _r(
        "rating_value", lang, avg=f"{fig.rating_avg:.2f}", n=fig.ratings)
    rows += [
        (_r("f.windows", lang), _r("windows_value", lang, met=fig.windows_met,
                                   total=fig.windows_total, late=fig.windows_late,
                                   missed=fig.windows_missed, due=fig.windows_due,
                                   waived=fig.windows_waived)),
        (_r("f.visits", lang), _r("visits_value", lang, total=fig.visits, on_site=fig.on_site)),
        (_r("f.confirmations", lang), _r("confirmations_value", lang, confirmed=fig.confirmed,
                                         disputed=fig.disputed, pending=fig.unconfirmed)),
        (_r("f.rating", lang), rating),
        (_r("f.consultations", lang), _r("consultations_value", lang, n=fig.consultations,
                                         claimed=fig.claimed_on_time, answered=fig.answered,
                                         on_time=fig.answered_on_time)),
        (_r("f.followups", lang), _r("followups_value", lang, opened=fig.followups_opened,
                                     closed=fig.followups_closed)),
        (_r("f.changes", lang), _r("changes_value", lang, edits=fig.edits,
                                   deletions=fig.deletions)),
        (_r("f.cases", lang), str(fig.typical_cases)),
    ]
    return rows


# ── the workbook ──────────────────────────────────────────────────────


def _c(key: str, lang: str, kind: Any = "text") -> Col:
    from bot.reports.xlsx import Col

    return Col(_r(f"col.{key}", lang), kind)


def pack_workbook(inp: PackInput, lang: str = "zh") -> bytes:
    from bot.reports.xlsx import add_sheet, local, new_workbook, to_bytes  # openpyxl: on use

    fig = pack_figures(inp)
    tz = inp.now.tzinfo
    wb = new_workbook(inp.now)
    total = _r("total", lang)
    add_sheet(wb, _r("sheet.summary", lang), [_c("item", lang), _c("value", lang)],
              summary_rows(inp, fig, lang))
    add_sheet(wb, _r("sheet.windows", lang), [
        _c("target", lang), _c("city", lang), _c("county", lang),
        _c("window_start", lang, "date"), _c("window_end", lang, "date"),
        _c("required", lang, "int"), _c("counted", lang, "int"),
        _c("counted_on_time", lang, "int"), _c("state", lang), _c("last_visit", lang, "date")],
        [(w.target, w.city, w.county, w.window_start, w.window_end, w.required, w.counted,
          w.counted_on_time, _status("state", w.state, lang), w.last_visit)
         for w in inp.windows],
        totals=(total, None, None, None, None, None, None, None,
                _r("windows_value", lang, met=fig.windows_met, total=fig.windows_total,
                   late=fig.windows_late, missed=fig.windows_missed, due=fig.windows_due,
                   waived=fig.windows_waived), None))
    add_sheet(wb, _r("sheet.visits", lang), [
        _c("number", lang), _c("visit_date", lang, "date"), _c("recorded_at", lang, "datetime"),
        _c("target", lang), _c("mode", lang), _c("tasks", lang), _c("summary", lang, "long"),
        _c("confirmation", lang), _c("rating", lang), _c("highlight", lang, "long")],
        [(v.number, v.visit_date, local(v.recorded_at, tz), v.target, label("mode", v.mode, lang),
          rraw("digest.list_sep", lang).join(inp.task_label(k, lang) for k in v.tasks),
          v.summary, _status("confirm", v.confirmation, lang),
          " ".join(str(r) for r in v.ratings) or None, v.highlight) for v in inp.visits],
        totals=(total, None, None, None,
                _r("visits_value", lang, total=fig.visits, on_site=fig.on_site),
                None, None, None, None, None))
    add_sheet(wb, _r("sheet.breakdown", lang),
              [_c("kind", lang), _c("item", lang), _c("count", lang, "int")],
              [(_r("by_mode", lang), label("mode", m, lang), n) for m, n in fig.by_mode]
              + [(_r("by_task", lang), inp.task_label(k, lang), n) for k, n in fig.by_task],
              totals=(total, None, fig.visits))
    add_sheet(wb, _r("sheet.confirmations", lang), [
        _c("number", lang), _c("visit_date", lang, "date"), _c("target", lang),
        _c("contact", lang), _c("status", lang), _c("rating", lang, "int"),
        _c("comment", lang, "long"), _c("answered_at", lang, "datetime")],
        [(c.number, c.visit_date, c.target, c.contact, _status("confirm", c.status, lang),
          c.rating, c.comment, local(c.answered_at, tz)) for c in inp.confirmations],
        totals=(total, None, None, None,
                _r("confirmations_value", lang, confirmed=fig.confirmed,
                   disputed=fig.disputed, pending=fig.unconfirmed),
                None if fig.rating_avg is None else fig.rating_avg, None, None))
    add_sheet(wb, _r("sheet.consultations", lang), [
        _c("id", lang, "int"), _c("entity", lang), _c("asked_at", lang, "datetime"),
        _c("claimed_at", lang, "datetime"), _c("claimed_on_time", lang),
        _c("answered_at", lang, "datetime"), _c("answered_on_time", lang),
        _c("status", lang), _c("solved", lang), _c("rating", lang, "int")],
        [(c.id, c.entity, local(c.asked_at, tz), local(c.claimed_at, tz),
          _yes(c.claimed_on_time, lang), local(c.answered_at, tz),
          _yes(c.answered_on_time, lang), _status("consult", c.status, lang),
          _yes(c.solved, lang), c.rating) for c in inp.consultations],
        totals=(total, None, None, None, fig.claimed_on_time, fig.answered,
                fig.answered_on_time, fig.consultations, None, None))
    add_sheet(wb, _r("sheet.followups", lang), [
        _c("number", lang), _c("target", lang), _c("text", lang, "long"), _c("status", lang),
        _c("created_at", lang, "datetime"), _c("resolved_at", lang, "datetime")],
        [(f.number, f.target, f.text, _status("followup", f.status, lang),
          local(f.created_at, tz), local(f.resolved_at, tz)) for f in inp.followups],
        totals=(total, None, _r("followups_value", lang, opened=fig.followups_opened,
                                closed=fig.followups_closed), None, None, None))
    add_sheet(wb, _r("sheet.changes", lang), [
        _c("at", lang, "datetime"), _c("number", lang), _c("action", lang), _c("fields", lang),
        _c("reason", lang, "long")],
        [(local(c.at, tz), c.number, _status("action", c.action, lang),
          rraw("digest.list_sep", lang).join(_status("field", f, lang) for f in c.fields),
          c.reason) for c in inp.changes],
        totals=(total, None, _r("changes_value", lang, edits=fig.edits,
                                deletions=fig.deletions), None, None))
    add_sheet(wb, _r("sheet.record", lang), [
        _c("at", lang, "datetime"), _c("by", lang), _c("grade_from", lang),
        _c("grade_to", lang), _c("comment", lang, "long"), _c("reason", lang, "long")],
        [(local(h.at, tz), h.by, inp.grade_label(h.grade_from, lang),
          inp.grade_label(h.grade_to, lang), h.comment_to, h.reason) for h in inp.history],
        totals=(total, None, None,
                inp.record.grade.label(lang) if inp.record else _r("not_recorded", lang),
                inp.record.comment if inp.record else None, None))
    return to_bytes(wb)


# ── the PDF ───────────────────────────────────────────────────────────


def pack_pdf(inp: PackInput, lang: str = "zh") -> bytes:
    from bot.reports import pdf  # reportlab: loaded when a PDF is made

    fig = pack_figures(inp)
    st = pdf.styles()
    sep = rraw("digest.list_sep", lang)
    story: list[Any] = [pdf.para(_title(inp, lang), st.title),
                        pdf.pairs(summary_rows(inp, fig, lang))]
    story += pdf.section(_r("sheet.windows", lang), pdf.table(
        [_r(f"col.{k}", lang) for k in ("target", "window_start", "window_end", "counted",
                                         "state", "last_visit")],
        [(w.target, w.window_start, w.window_end, f"{w.counted}/{w.required}",
          _status("state", w.state, lang), w.last_visit or "—") for w in inp.windows]
        or [(_r("none", lang), "", "", "", "", "")],
        [4, 2, 2, 1.3, 1.5, 2]))
    story += pdf.section(_r("sheet.breakdown", lang), pdf.table(
        [_r("col.kind", lang), _r("col.item", lang), _r("col.count", lang)],
        [(_r("by_mode", lang), label("mode", m, lang), n) for m, n in fig.by_mode]
        + [(_r("by_task", lang), inp.task_label(k, lang), n) for k, n in fig.by_task],
        [2, 5, 1.5], totals=(_r("total", lang), "", fig.visits)))
    story += pdf.section(_r("sheet.visits", lang), pdf.table(
        [_r(f"col.{k}", lang) for k in ("number", "visit_date", "target", "mode", "tasks",
                                         "confirmation")],
        [(v.number, v.visit_date, v.target, label("mode", v.mode, lang),
          sep.join(inp.task_label(k, lang) for k in v.tasks),
          _status("confirm", v.confirmation, lang)
          + (f" {'/'.join(str(r) for r in v.ratings)}★" if v.ratings else ""))
         for v in inp.visits] or [(_r("none", lang), "", "", "", "", "")],
        [2.2, 2, 3.2, 1.2, 4, 1.8]))
    disputes = [c for c in inp.confirmations if c.status == "disputed" or c.comment]
    if disputes:
        story += pdf.section(_r("disputes_comments", lang), pdf.table(
            [_r(f"col.{k}", lang) for k in ("number", "contact", "status", "rating",
                                             "comment")],
            [(c.number, c.contact, _status("confirm", c.status, lang), c.rating or "—",
              c.comment or "—") for c in disputes],
            [2.2, 2.5, 1.5, 1, 6]))
    story += pdf.section(_r("sheet.consultations", lang), pdf.table(
        [_r(f"col.{k}", lang) for k in ("id", "entity", "asked_at", "claimed_on_time",
                                         "answered_on_time", "status")],
        [(c.id, c.entity, _day(c.asked_at, inp), _yes(c.claimed_on_time, lang),
          _yes(c.answered_on_time, lang), _status("consult", c.status, lang))
         for c in inp.consultations] or [(_r("none", lang), "", "", "", "", "")],
        [1, 4, 3, 1.6, 1.6, 1.6]))
    story += pdf.section(_r("sheet.followups", lang), pdf.table(
        [_r(f"col.{k}", lang) for k in ("number", "text", "status", "created_at",
                                         "resolved_at")],
        [(f.number, f.text, _status("followup", f.status, lang), _day(f.created_at, inp),
          _day(f.resolved_at, inp)) for f in inp.followups]
        or [(_r("none", lang), "", "", "", "")],
        [2.2, 6, 1.5, 2.6, 2.6]))
    story += pdf.section(_r("sheet.changes", lang), pdf.table(
        [_r(f"col.{k}", lang) for k in ("at", "number", "action", "fields", "reason")],
        [(_day(c.at, inp), c.number, _status("action", c.action, lang),
          sep.join(_status("field", f, lang) for f in c.fields) or "—", c.reason or "—")
         for c in inp.changes] or [(_r("none", lang), "", "", "", "")],
        [2.6, 2.2, 1.3, 3, 5]))
    if inp.history:
        story += pdf.section(_r("sheet.record", lang), pdf.table(
            [_r(f"col.{k}", lang) for k in ("at", "by", "grade_from", "grade_to", "reason")],
            [(_day(h.at, inp), h.by, inp.grade_label(h.grade_from, lang),
              inp.grade_label(h.grade_to, lang), h.reason or "—") for h in inp.history],
            [2.6, 2, 2, 2, 5]))
    return pdf.build(story, title=_title(inp, lang), footer=_title(inp, lang))


def file_stem(inp: PackInput) -> str:
    """``<name>-<period>`` (the CLI writes ``.xlsx`` and ``.pdf`` of it)."""
    return safe_file_name(f"{inp.person}-{inp.period_code}")


def safe_file_name(name: str) -> str:
    """A file name without path separators or characters file systems refuse."""
    cleaned = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in name)
    return cleaned.strip(" .") or "_"


def rows_for_json(fig: PackFigures) -> dict[str, Any]:
    """The figures scripts rely on (``ipbot evaluation pack --json``), then the rest."""
    keys = ("visits", "on_site", "windows_met", "windows_total", "confirmed", "disputed",
            "consultations", "answered_on_time")
    full = fig.as_dict()
    return {k: full[k] for k in keys} | {k: v for k, v in full.items() if k not in keys}
