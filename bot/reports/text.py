"""The digest as Telegram HTML messages, split below Telegram's length limit.

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


def render_parts(digest: Digest, lang: str, *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The digest as HTML messages, each with ``visible_length < limit``."""
    return split_sections(
        lambda i, n: _header(digest, lang, i, n), list(sections(digest, lang)), lang,
        limit=limit,
    )


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


def sections(digest: Digest, lang: str) -> Iterable[Section]:
    """Every section of the digest, in order."""
    yield _visits(digest, lang)
    yield _due(digest, lang)
    yield _overdue(digest, lang)
    yield _disputes(digest, lang)
    yield _followups(digest, lang)
    yield _unbound(digest, lang)
    yield _coverage(digest, lang)
    if digest.consultations is not None:
        yield _consultations(digest, lang)
    if digest.unserved:
        yield _unserved(digest, lang)


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


def _visits(digest: Digest, lang: str) -> Section:
    heading = rt(
        "digest.visits.heading", lang,
        start=digest.visits_from.isoformat(), end=digest.visits_to.isoformat(),
        total=digest.visit_count,
    )
    if not digest.visits:
        return Section(heading, (rt("digest.visits.empty", lang),))
    sep = rt("digest.field_sep", lang)
    modes = sep.join(
        rt("digest.visits.mode", lang, mode=label("mode", m, lang), count=c)
        for m, c in digest.visits_by_mode
    )
    return Section(heading, (modes,))


def _due(digest: Digest, lang: str) -> Section:
    heading = rt("digest.due.heading", lang, count=len(digest.due_soon))
    if not digest.due_soon:
        return Section(heading, (rt("digest.due.empty", lang),))
    lines = []
    for o in digest.due_soon:
        days = o.days_left if o.days_left is not None else (o.window_end - digest.today).days
        left = (
            rt("digest.due.last_day", lang) if days <= 0
            else rt("digest.due.days_left", lang, days=days)
        )
        lines.append(rt(
            "digest.due.line", lang,
            person=_name(o.person), role=label("role", o.role, lang), target=_name(o.target),
            where=_where(digest, o.city, o.county, lang), deadline=o.window_end.isoformat(),
            left=Safe(left), counted=o.counted, required=o.required,
        ))
    return Section(heading, tuple(lines))


def _overdue(digest: Digest, lang: str) -> Section:
    heading = rt(
        "digest.overdue.heading", lang, people=len(digest.overdue), count=digest.overdue_count
    )
    if not digest.overdue:
        return Section(heading, (rt("digest.overdue.empty", lang),))
    lines: list[str] = []
    for group in digest.overdue:
        lines.extend(_overdue_lines(group, lang))
    return Section(heading, tuple(lines))


def _overdue_lines(group: OverdueGroup, lang: str) -> list[str]:
    """One line per person; a long target list wraps onto "continued" lines."""
    sep = rt("digest.list_sep", lang)
    role = rraw("digest.list_sep", lang).join(label("role", r, lang) for r in group.roles)
    person = _name(group.person)
    chunks: list[list[str]] = [[]]
    for target in group.targets:
        chunk = chunks[-1]
        if chunk and visible_length(sep.join([*chunk, esc(_name(target))])) > LINE_MAX - 100:
            chunks.append(chunk := [])
        chunk.append(esc(_name(target)))
    lines = [rt(
        "digest.overdue.line", lang, person=person, role=role, count=group.count,
        days=group.max_days_overdue, targets=Safe(sep.join(chunks[0])),
    )]
    lines += [
        rt("digest.overdue.more", lang, person=person, targets=Safe(sep.join(chunk)))
        for chunk in chunks[1:]
    ]
    return lines


def _disputes(digest: Digest, lang: str) -> Section:
    heading = rt("digest.disputes.heading", lang, count=len(digest.disputes))
    if not digest.disputes:
        return Section(heading, (rt("digest.disputes.empty", lang),))
    lines = []
    for d in digest.disputes:
        line = rt(
            "digest.disputes.line", lang, number=_name(d.number), person=_name(d.person),
            target=_name(d.target), where=_where(digest, d.city, d.county, lang),
            day=_day(d.visit_date, digest),
        )
        if d.comment and d.comment.strip():
            line += rt("digest.disputes.comment", lang, comment=clip(d.comment, TEXT_MAX))
        lines.append(line)
    return Section(heading, tuple(lines))


def _followups(digest: Digest, lang: str) -> Section:
    heading = rt("digest.followups.heading", lang, count=len(digest.followups))
    if not digest.followups:
        return Section(heading, (rt("digest.followups.empty", lang),))
    return Section(heading, tuple(
        rt(
            "digest.followups.line", lang, day=_day(f.created, digest), owner=_name(f.owner),
            target=_name(f.target), where=_where(digest, f.city, f.county, lang),
            number=_name(f.visit_number), text=clip(f.text, TEXT_MAX),
        )
        for f in digest.followups
    ))


def _unbound(digest: Digest, lang: str) -> Section:
    heading = rt("digest.unbound.heading", lang, count=len(digest.unbound))
    if not digest.unbound:
        return Section(heading, (rt("digest.unbound.empty", lang),))
    sep = rt("digest.field_sep", lang)
    return Section(heading, tuple(
        rt(
            "digest.unbound.line", lang, name=_name(u.name), role=label("role", u.role, lang),
            unit=Safe(sep + esc(_name(u.unit)) if u.unit else ""),
            where=_where(digest, u.city, u.county, lang),
        )
        for u in digest.unbound
    ))


def _coverage(digest: Digest, lang: str) -> Section:
    heading = rt("digest.coverage.heading", lang)
    if not digest.coverage:
        return Section(heading, (rt("digest.coverage.empty", lang),))
    lines = [
        rt(
            "digest.coverage.line", lang,
            city=_name(c.city) if c.city else rraw("digest.no_place", lang),
            share=_share(c.share), met=c.met, total=c.total, due=c.due, overdue=c.overdue,
        )
        for c in digest.coverage
    ]
    total = digest.coverage_total
    lines.append(rt(
        "digest.coverage.total", lang, share=_share(total.share), met=total.met,
        total=total.total,
    ))
    return Section(heading, tuple(lines))


def _consultations(digest: Digest, lang: str) -> Section:
    rows = digest.consultations or ()
    heading = rt("digest.consult.heading", lang, count=len(rows))
    if not rows:
        return Section(heading, (rt("digest.consult.empty", lang),))
    return Section(heading, tuple(
        rt(
            "digest.consult.line", lang,
            day=c.asked_at.astimezone(digest.now.tzinfo).strftime("%Y-%m-%d %H:%M"),
            asker=_name(c.asker), entity=_name(c.entity),
            where=_where(digest, c.city, c.county, lang), question=clip(c.question, TEXT_MAX),
        )
        for c in rows
    ))


def _unserved(digest: Digest, lang: str) -> Section:
    """Only when something is unserved (a departure or an ended assignment left it)."""
    heading = rt("digest.unserved.heading", lang, count=len(digest.unserved))
    return Section(heading, tuple(
        rt("digest.unserved.line", lang, target=_name(u.target),
           kind=rraw(f"digest.unserved.{u.kind}", lang),
           where=_where(digest, u.city, u.county, lang))
        for u in digest.unserved
    ))
