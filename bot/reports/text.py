"""The digest's summary as Telegram HTML messages: at most two, at any scale.

The summary gives the totals, the people overdue longest, the latest disputes and the people
to adjust (需调整); the chart and the workbook follow it, and everything else is one tap away.

Every line is built whole here, with its tags opened and closed on the same line and every
data value escaped, so the splitter may cut between any two lines without breaking markup.
Each part starts with the title (numbered when there are several parts); a section cut in
two repeats its heading marked "continued". Lengths are measured the way Telegram measures
them: the visible text after entity parsing, in UTF-16 code units.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.i18n import Safe
from bot.reports.i18n import rraw, rt

if TYPE_CHECKING:
    from bot.reports.digest import Digest, OverdueGroup

#: Telegram's limit on a message's text after entity parsing; parts stay strictly below.
MESSAGE_LIMIT = 4096
#: Longest name-like value (person, entity, number, place) shown in a line.
NAME_MAX = 60
#: Longest free-text value (comment, follow-up, question) shown in a line; the workbook
#: has the full text.
TEXT_MAX = 300
#: Longest line before a list of targets wraps onto a continuation line.
LINE_MAX = 800

_TAG = re.compile(r"<[^>]*>")


def visible_length(text: str) -> int:
    """Length of ``text`` as Telegram counts it: tags removed, entities decoded, UTF-16."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


def esc(value: object) -> str:
    """HTML-escape a data value for Telegram."""
    return html.escape(str(value), quote=False)


def clip(value: str | None, limit: int) -> str:
    """``value`` shortened to ``limit`` characters with an ellipsis (not escaped)."""
    text = " ".join((value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and its lines (at least one); each line is self-contained HTML."""

    heading: str
    lines: tuple[str, ...]


def render_parts(digest: Digest, lang: str, *, limit: int = MESSAGE_LIMIT,
                 max_parts: int = 2) -> list[str]:
    """The digest's summary as HTML messages, each with ``visible_length < limit``.

    The summary names at most ten people and disputes; when
    that does not fit ``max_parts`` messages, it names fewer and clips free text shorter,
    until it fits (at Telegram's limit it always does; the workbook lists everything).
    """
    parts: list[str] = []
    for top, text_max in _FITS:
        parts = split_sections(
            lambda i, n: _header(digest, lang, i, n),
            list(sections(digest, lang, top=top, text_max=text_max)), lang, limit=limit)
        if len(parts) <= max_parts:
            break
    return parts


#: (people and disputes named, longest free text) from the fullest summary to the leanest.
_FITS = ((10, 300), (10, 120), (7, 80), (5, 60), (3, 40), (1, 20))
#: Targets named on an overdue person's line (then "and N more").
TARGETS_SHOWN = 3


def split_sections(
    header: Callable[[int, int], str], sections: list[Section], lang: str, *, limit: int
) -> list[str]:
    """Pack ``sections`` into messages below ``limit``; ``header(i, n)`` opens each part.

    Packing reserves room for the widest part number; if the parts outnumber that
    reservation, it packs again with a wider one.
    """
    width = 2
    while True:
        widest = 10**width - 1
        parts = _pack(header(widest, widest), sections, lang, limit - 1)
        if len(parts) <= widest:
            break
        width += 1
    n = len(parts)
    return [header(i + 1, n) + body for i, body in enumerate(parts)]


def _pack(header: str, sections: list[Section], lang: str, budget: int) -> list[str]:
    """Bodies (without header) such that ``header + body`` fits ``budget``."""
    cont = rt("digest.continued", lang)
    base = visible_length(header)
    parts: list[str] = []
    body: list[str] = []
    used = base

    def flush() -> None:
        nonlocal body, used
        parts.append("".join(body))
        body, used = [], base

    for section in sections:
        head = "\n\n" + section.heading
        first = _fit("\n" + section.lines[0], budget - base - visible_length(head + cont))
        if body and used + visible_length(head) + visible_length(first) > budget:
            flush()
        body.append(head)
        used += visible_length(head)
        for line in section.lines:
            room = budget - base - visible_length(head + cont)
            piece = _fit("\n" + line, room)
            size = visible_length(piece)
            if used + size > budget:
                flush()
                body.append(head + cont)
                used += visible_length(head + cont)
            body.append(piece)
            used += size
    if body or not parts:
        parts.append("".join(body))
    return parts


def _fit(piece: str, room: int) -> str:
    """``piece`` unchanged if it fits ``room``; else as plain escaped text cut to fit."""
    if visible_length(piece) <= room:
        return piece
    plain = html.unescape(_TAG.sub("", piece))
    while plain and len(plain.encode("utf-16-le")) // 2 > room - 1:
        plain = plain[: min(len(plain) - 1, max(room - 1, 0))]
    return esc(plain + "…")


def _header(digest: Digest, lang: str, i: int, n: int) -> str:
    title = rt("digest.title", lang, scope=scope_name(digest, lang))
    if n > 1:
        title += rt("digest.part", lang, i=i, n=n)
    at = digest.now.strftime("%Y-%m-%d %H:%M")
    return title + "\n" + rt("digest.subtitle", lang, period=digest.period_label, at=at)


def scope_name(digest: Digest, lang: str) -> str:
    """The scope as plain text: 全省, 杭州市, 杭州市西湖区."""
    scope = digest.scope
    if scope.level == "province":
        return rraw("digest.scope.province", lang)
    if scope.level == "city":
        return rraw("digest.scope.city", lang, city=scope.city)
    if scope.city:
        return rraw("digest.scope.county", lang, city=scope.city, county=scope.county)
    return rraw("digest.scope.county_only", lang, county=scope.county)


def label(prefix: str, value: str, lang: str) -> str:
    """A vocabulary value (role, mode, state) in ``lang``; unknown values as they are."""
    try:
        return rraw(f"digest.{prefix}.{value}", lang)
    except KeyError:
        return value


def place_name(city: str | None, county: str | None, lang: str) -> str:
    """A place as plain text: 杭州市西湖区, 杭州市, 西湖区 (empty when neither is known)."""
    if city and county:
        return rraw("digest.scope.county", lang, city=city, county=county)
    return city or county or ""


def sections(digest: Digest, lang: str, *, top: int = 10, text_max: int = TEXT_MAX
             ) -> Iterable[Section]:
    """The summary's sections, in order: totals, the longest overdue, disputes, 需调整, and
    (only when a departure or an ended assignment left some) what nobody serves."""
    yield _totals(digest, lang)
    yield _overdue(digest, lang, top)
    yield _disputes(digest, lang, top, text_max)
    yield _adjust(digest, lang, top)
    if digest.unserved:
        yield _unserved(digest, lang, top)
    yield Section(rt("digest.more.heading", lang), (rt("digest.more.line", lang),))


def _where(digest: Digest, city: str | None, county: str | None, lang: str) -> Safe:
    """The row's place finer than the scope (" · 杭州市西湖区"), escaped, or nothing."""
    level = digest.scope.level
    if level == "county":
        return Safe("")
    place = (county or "") if level == "city" else place_name(city, county, lang)
    if not place:
        return Safe("")
    return Safe(rt("digest.field_sep", lang) + esc(clip(place, NAME_MAX)))


def _day(d: date | datetime, digest: Digest) -> str:
    if isinstance(d, datetime):
        d = d.astimezone(digest.now.tzinfo).date()
    return d.isoformat()


def _name(value: str | None) -> str:
    return clip(value, NAME_MAX)


def _share(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _totals(digest: Digest, lang: str) -> Section:
    sep = rt("digest.field_sep", lang)
    total = digest.coverage_total
    lines = [rt("digest.totals.obligations", lang, total=total.total, met=total.met,
                share=_share(total.share), due=total.due, overdue=total.overdue,
                people=len(digest.overdue))]
    modes = sep.join(
        rt("digest.visits.mode", lang, mode=label("mode", m, lang), count=c)
        for m, c in digest.visits_by_mode)
    lines.append(rt("digest.totals.visits", lang, start=digest.visits_from.isoformat(),
                    end=digest.visits_to.isoformat(), total=digest.visit_count,
                    modes=Safe(modes)))
    counts = [rt("digest.totals.due", lang, count=len(digest.due_soon)),
              rt("digest.totals.followups", lang, count=len(digest.followups))]
    if digest.consultations is not None:
        counts.append(rt("digest.totals.consult", lang, count=len(digest.consultations)))
    counts.append(rt("digest.totals.unbound", lang, count=len(digest.unbound)))
    lines.append("• " + sep.join(counts))
    if len(digest.coverage) > 1:
        lowest = rraw("digest.list_sep", lang).join(
            rraw("digest.totals.city_share", lang,
                 city=_name(c.city) if c.city else rraw("digest.no_place", lang),
                 share=_share(c.share))
            for c in digest.coverage[:3])
        lines.append(rt("digest.totals.lowest", lang, cities=lowest))
    return Section(rt("digest.totals.heading", lang), tuple(lines))


def _overdue(digest: Digest, lang: str, top: int) -> Section:
    groups = digest.most_overdue[:top]
    heading = rt("digest.overdue.top_heading", lang, shown=len(groups),
                 people=len(digest.overdue), count=digest.overdue_count)
    if not groups:
        return Section(rt("digest.overdue.heading", lang, people=0, count=0),
                       (rt("digest.overdue.empty", lang),))
    return Section(heading, tuple(_overdue_line(g, lang) for g in groups))


def _overdue_line(group: OverdueGroup, lang: str) -> str:
    sep = rt("digest.list_sep", lang)
    role = rraw("digest.list_sep", lang).join(label("role", r, lang) for r in group.roles)
    targets = sep.join(esc(_name(t)) for t in group.targets[:TARGETS_SHOWN])
    if len(group.targets) > TARGETS_SHOWN:
        targets += rt("digest.overdue.more_targets", lang,
                      n=len(group.targets) - TARGETS_SHOWN)
    return rt("digest.overdue.line", lang, person=_name(group.person), role=role,
              count=group.count, days=group.max_days_overdue, targets=Safe(targets))


def _disputes(digest: Digest, lang: str, top: int, text_max: int) -> Section:
    rows = digest.recent_disputes[:top]
    if not rows:
        return Section(rt("digest.disputes.heading", lang, count=0),
                       (rt("digest.disputes.empty", lang),))
    heading = rt("digest.disputes.top_heading", lang, count=len(digest.disputes),
                 shown=len(rows))
    lines = []
    for d in rows:
        line = rt(
            "digest.disputes.line", lang, number=_name(d.number), person=_name(d.person),
            target=_name(d.target), where=_where(digest, d.city, d.county, lang),
            day=_day(d.visit_date, digest),
        )
        if d.comment and d.comment.strip():
            line += rt("digest.disputes.comment", lang, comment=clip(d.comment, text_max))
        lines.append(line)
    return Section(heading, tuple(lines))


def _adjust(digest: Digest, lang: str, top: int) -> Section:
    rows = digest.adjust[:top]
    heading = rt("digest.adjust.heading", lang, count=len(digest.adjust), shown=len(rows))
    if not rows:
        return Section(heading, (rt("digest.adjust.empty", lang),))
    sep = rt("digest.field_sep", lang)
    return Section(heading, tuple(
        rt("digest.adjust.line", lang, person=_name(a.person), role=label("role", a.role, lang),
           unit=Safe(sep + esc(_name(a.unit)) if a.unit else ""),
           where=_where(digest, a.city, a.county, lang), period=_name(a.period),
           grade=_name(a.grade))
        for a in rows))


def _unserved(digest: Digest, lang: str, top: int) -> Section:
    rows = digest.unserved[:top]
    heading = rt("digest.unserved.heading", lang, count=len(digest.unserved), shown=len(rows))
    return Section(heading, tuple(
        rt("digest.unserved.line", lang, target=_name(u.target),
           kind=rraw(f"digest.unserved.{u.kind}", lang),
           where=_where(digest, u.city, u.county, lang))
        for u in rows))
