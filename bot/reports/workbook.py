"""The digest's workbooks, written in openpyxl's write-only mode (see :mod:`bot.reports.xlsx`).

:func:`digest_workbook` goes with the weekly digest and holds only the rows that need action:
coverage by city (totals first), the overdue windows, those due within 30 days, disputes,
open follow-up items, overdue consultations, the people to adjust (需调整) and the staff not
yet on Telegram. :func:`detail_workbook` is the full detail, one tap away: every obligation
window of the period and the week's visits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.reports.digest import CityCoverage, Digest
from bot.reports.i18n import rraw
from bot.reports.text import label
from bot.reports.xlsx import Col, add_sheet, local, new_workbook, to_bytes


def _col(key: str, lang: str, kind: Any = "text") -> Col:
    return Col(rraw(f"digest.col.{key}", lang), kind)


def _sheet_name(key: str, lang: str) -> str:
    return rraw(f"digest.sheet.{key}", lang)


def digest_workbook(digest: Digest, lang: str | None = None) -> bytes:
    """The rows that need action, as .xlsx bytes."""
    lang = lang or digest.lang
    tz = digest.now.tzinfo
    wb = new_workbook(digest.now)

    def role(r: Any) -> str:
        return label("role", r.role, lang)

    _coverage_sheet(wb, digest, lang)
    person = [_col("person", lang), _col("role", lang), _col("target", lang),
              _col("city", lang), _col("county", lang)]
    window = [_col("window_start", lang, "date"), _col("window_end", lang, "date")]
    counts = [_col("counted", lang, "int"), _col("required", lang, "int"),
              _col("last_visit", lang, "date")]
    overdue = [row for group in digest.most_overdue for row in group.rows]
    add_sheet(wb, _sheet_name("overdue", lang),
              [*person, *window, _col("days_overdue", lang, "int"), *counts],
              [(r.person, role(r), r.target, r.city, r.county, r.window_start, r.window_end,
                (digest.today - r.window_end).days, r.counted, r.required, r.last_visit)
               for r in overdue])
    add_sheet(wb, _sheet_name("due", lang),
              [*person, *window, _col("days_left", lang, "int"), *counts],
              [(r.person, role(r), r.target, r.city, r.county, r.window_start, r.window_end,
                r.days_left if r.days_left is not None else (r.window_end - digest.today).days,
                r.counted, r.required, r.last_visit) for r in digest.due_soon])
    add_sheet(wb, _sheet_name("disputes", lang),
              [_col("number", lang), _col("visit_date", lang, "date"), _col("person", lang),
               _col("target", lang), _col("city", lang), _col("county", lang),
               _col("comment", lang, "long")],
              [(d.number, d.visit_date, d.person, d.target, d.city, d.county, d.comment)
               for d in digest.recent_disputes])
    add_sheet(wb, _sheet_name("followups", lang),
              [_col("created", lang, "datetime"), _col("number", lang), _col("owner", lang),
               _col("target", lang), _col("city", lang), _col("county", lang),
               _col("text", lang, "long")],
              [(local(f.created, tz), f.visit_number, f.owner, f.target, f.city, f.county,
                f.text) for f in digest.followups])
    if digest.consultations is not None:
        add_sheet(wb, _sheet_name("consultations", lang),
                  [_col("asked_at", lang, "datetime"), _col("asker", lang),
                   _col("entity", lang), _col("city", lang), _col("county", lang),
                   _col("question", lang, "long")],
                  [(local(c.asked_at, tz), c.asker, c.entity, c.city, c.county, c.question)
                   for c in digest.consultations])
    add_sheet(wb, _sheet_name("adjust", lang),
              [_col("person", lang), _col("role", lang), _col("unit", lang),
               _col("city", lang), _col("county", lang), _col("period", lang),
               _col("grade", lang), _col("recorded_at", lang, "datetime")],
              [(a.person, role(a), a.unit, a.city, a.county, a.period, a.grade,
                local(a.recorded_at, tz)) for a in digest.adjust])
    if digest.unserved:
        add_sheet(wb, _sheet_name("unserved", lang),
                  [_col("kind", lang), _col("target", lang), _col("city", lang),
                   _col("county", lang)],
                  [(rraw(f"digest.unserved.{u.kind}", lang), u.target, u.city, u.county)
                   for u in digest.unserved])
    return to_bytes(wb)


def detail_workbook(digest: Digest, lang: str | None = None) -> bytes:
    """Every obligation window of the period and the week's visits, as .xlsx bytes."""
    lang = lang or digest.lang
    wb = new_workbook(digest.now)
    _coverage_sheet(wb, digest, lang)
    add_sheet(wb, _sheet_name("obligations", lang), [
        _col("person", lang), _col("role", lang), _col("target", lang), _col("city", lang),
        _col("county", lang), _col("window_start", lang, "date"),
        _col("window_end", lang, "date"), _col("state", lang), _col("days_left", lang, "int"),
        _col("counted", lang, "int"), _col("required", lang, "int"),
        _col("last_visit", lang, "date")],
        [(o.person, label("role", o.role, lang), o.target, o.city, o.county, o.window_start,
          o.window_end, label("state", o.state, lang), o.days_left, o.counted, o.required,
          o.last_visit) for o in digest.obligations])
    add_sheet(wb, _sheet_name("visits", lang), [
        _col("number", lang), _col("visit_date", lang, "date"), _col("person", lang),
        _col("role", lang), _col("target", lang), _col("city", lang), _col("county", lang),
        _col("mode", lang)],
        [(v.number, v.visit_date, v.person, label("role", v.role, lang), v.target, v.city,
          v.county, label("mode", v.mode, lang)) for v in digest.visits])
    add_sheet(wb, _sheet_name("unbound", lang),
              [_col("name", lang), _col("role", lang), _col("unit", lang),
               _col("city", lang), _col("county", lang)],
              [(u.name, label("role", u.role, lang), u.unit, u.city, u.county)
               for u in digest.unbound])
    return to_bytes(wb)


def _coverage_sheet(wb: Any, digest: Digest, lang: str) -> None:
    """Coverage by city, the scope's total first."""
    def row(c: CityCoverage, name: str) -> Sequence[Any]:
        return (name, c.met, c.due, c.overdue, c.total, c.share)

    total = digest.coverage_total
    add_sheet(wb, _sheet_name("coverage", lang), [
        _col("city", lang), _col("met", lang, "int"), _col("due", lang, "int"),
        _col("overdue", lang, "int"), _col("total", lang, "int"), _col("share", lang, "pct")],
        [row(c, c.city or rraw("digest.no_place", lang)) for c in digest.coverage],
        totals=row(total, rraw("digest.total_row", lang)))
