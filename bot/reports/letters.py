"""反馈函: one letter per dispatching unit per evaluation period (pure), as a PDF (reportlab
loads when a letter is made).

Seed 004: the provincial office evaluates commissioners every two years and envoys every year
"并将评价结果反馈给派出单位"; units favour strong performers (评优评先、职称评聘、职级晋升等方面
同等条件下优先考虑) and poor performers are adjusted. The letter lists the unit's people with
their grade and key figures, and says exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.reports.evaluation import safe_file_name
from bot.reports.i18n import rraw
from bot.reports.text import label
from scheduler.policy import GradeDef


@dataclass(frozen=True, slots=True)
class LetterPerson:
    name: str
    grade: str | None  # the grade's key; None: not evaluated yet
    comment: str | None
    visits: int
    on_site: int
    windows_met: int
    windows_total: int
    confirmed: int
    disputed: int
    rating_avg: float | None
    consultations: int
    answered_on_time: int


@dataclass(frozen=True, slots=True)
class LetterInput:
    unit: str
    role: str
    period_code: str
    period_start: date
    period_end: date
    now: datetime  # aware, local: the letter's date
    grades: tuple[GradeDef, ...]
    people: tuple[LetterPerson, ...]

    def grade_label(self, key: str | None, lang: str) -> str:
        if key is None:
            return rraw("letter.not_evaluated", lang)
        found = next((g for g in self.grades if g.key == key), None)
        return found.label(lang) if found else key


def _r(key: str, lang: str, **values: Any) -> str:
    return rraw(f"letter.{key}", lang, **values)


def _story(letter: LetterInput, lang: str) -> list[Any]:
    from reportlab.platypus import Spacer

    from bot.reports import pdf

    st = pdf.styles()
    role = label("role", letter.role, lang)
    unit = letter.unit or _r("no_unit", lang)
    commissioners = letter.role == "commissioner"
    story: list[Any] = [
        pdf.para(_r("title", lang, role=role, period=letter.period_code), st.title),
        pdf.para(_r("salutation", lang, unit=unit)),
        pdf.para(_r("opening", lang, basis=_r("basis_commissioner" if commissioners
                                               else "basis_envoy", lang),
                    role=role, period=letter.period_code,
                    start=letter.period_start.isoformat(), end=letter.period_end.isoformat())),
    ]
    header = [_r(f"col.{k}", lang) for k in ("name", "grade", "on_site", "windows",
                                              "confirmed", "rating")]
    widths = [2.2, 2, 2, 2.2, 2.4, 1.6]
    if commissioners:
        header.append(_r("col.consultations", lang))
        widths.append(2.2)
    rows = []
    for p in letter.people:
        row = [p.name, letter.grade_label(p.grade, lang), _r("on_site_value", lang,
                                                             on_site=p.on_site, total=p.visits),
               f"{p.windows_met}/{p.windows_total}",
               _r("confirmed_value", lang, confirmed=p.confirmed, disputed=p.disputed),
               "—" if p.rating_avg is None else f"{p.rating_avg:.1f}"]
        if commissioners:
            row.append(f"{p.answered_on_time}/{p.consultations}")
        rows.append(row)
    story.append(pdf.table(header, rows, widths))
    notes = [(p.name, p.comment) for p in letter.people if p.comment]
    if notes:
        story += pdf.section(_r("comments", lang), pdf.table(
            [_r("col.name", lang), _r("col.comment", lang)], notes, [2, 8]))
    story += [
        Spacer(1, 4),
        pdf.para(_r("explain", lang), st.small),
        Spacer(1, 8),
        pdf.para(_r("incentive", lang, role=role)),
        pdf.para(_r("thanks", lang, role=role)),
        Spacer(1, 16),
        pdf.para(_r("sender", lang), st.right),
        pdf.para(_r("date", lang, y=letter.now.year, m=letter.now.month, d=letter.now.day),
                 st.right),
    ]
    return story


def letter_pdf(letter: LetterInput, lang: str = "zh") -> bytes:
    """One unit's letter."""
    from bot.reports import pdf

    title = _r("title", lang, role=label("role", letter.role, lang), period=letter.period_code)
    return pdf.build(_story(letter, lang), title=title, footer=letter.unit)


def letters_pdf(letters: Sequence[LetterInput], lang: str = "zh") -> bytes:
    """Every unit's letter in one file, each starting on a new page."""
    from reportlab.platypus import PageBreak

    from bot.reports import pdf

    story: list[Any] = []
    for i, letter in enumerate(letters):
        if i:
            story.append(PageBreak())
        story += _story(letter, lang)
    title = _r("title_all", lang, period=letters[0].period_code if letters else "")
    return pdf.build(story or [pdf.para(_r("none", lang))], title=title)


def file_name(letter: LetterInput, *, with_role: bool = False) -> str:
    """``<unit>-<period>.pdf`` (with the role too when both roles share the period's code)."""
    stem = f"{letter.unit or '-'}-{letter.period_code}"
    return safe_file_name(stem + (f"-{letter.role}" if with_role else "")) + ".pdf"
