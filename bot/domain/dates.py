"""Dates as field staff type them on a phone: ``2026-11-20``, ``11-20``, ``11月20日``,
``20日``, ``今天``, ``昨天``, ``前天``, ``3天前``, ``2026/11/20``, ``2026年11月20日``; and in
English: ``Nov 28``, ``28 November``, ``November 28, 2026``, ``28/11``, ``28/11/2026``,
``yesterday``, ``3 days ago``.

Slash dates: ``28/11`` can only be day/month (there is no month 28), so it is read that way;
``11/28`` likewise month/day; when both readings exist (``05/11``) the Chinese habit of
month/day wins, as for ``11-20``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

_RELATIVE = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1,
             "前天": 2, "大前天": 3}
_DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")
_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<m>\d{1,2})[-.月](?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<d>\d{1,2})[日号]$"),
]
_SLASH = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}))?$")
_DAYS_AGO = re.compile(r"^(?P<n>\d{1,3})(天前|日前|days?ago)$")
_MONTHS = {name: i + 1 for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december"))) for name in names}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ENGLISH = [
    re.compile(rf"^(?P<mon>{_MONTH})\.?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?(?P<y>\d{{4}}))?$"),
    re.compile(rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?P<mon>{_MONTH})\.?(?:,?(?P<y>\d{{4}}))?$"),
]


def parse_day(text: str, today: date) -> date | None:
    """The date ``text`` names, seen from ``today``; None when it names no date.

    A month-day without a year is the latest such date not after today; a bare day of the
    month is that day of this month, or of last month when it has not come yet.
    """
    s = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    if s in _RELATIVE:
        return today - timedelta(days=_RELATIVE[s])
    m = _DAYS_AGO.match(s)
    if m:
        return today - timedelta(days=int(m["n"]))
    try:
        return _english(s, today) or _slash(s, today) or _numeric(s.translate(_DIGITS), today)
    except ValueError:  # 2月30日 and the like
        return None


def _month_day(year: int | None, month: int, day: int, today: date) -> date:
    if year is not None:
        return date(year, month, day)
    candidate = _safe(today.year, month, day)
    if candidate is not None and candidate <= today:
        return candidate
    return date(today.year - 1, month, day)


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _english(s: str, today: date) -> date | None:
    for pattern in _ENGLISH:
        m = pattern.match(s)
        if m:
            year = int(m["y"]) if m["y"] else None
            return _month_day(year, _MONTHS[m["mon"]], int(m["d"]), today)
    return None


def _slash(s: str, today: date) -> date | None:
    m = _SLASH.match(s)
    if not m:
        return None
    a, b = int(m["a"]), int(m["b"])
    year = int(m["y"]) if m["y"] else None
    if a > 12 >= b:
        month, day = b, a          # 28/11: day/month
    elif year is not None and b <= 12 < a:
        month, day = b, a
    elif year is not None and a <= 12 and b <= 12:
        month, day = b, a          # dd/mm/yyyy is how a date with a year is written so
    else:
        month, day = a, b          # 11/28, 05/11: month/day
    return _month_day(year, month, day, today)


def _numeric(s: str, today: date) -> date | None:
    for pattern in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        parts = m.groupdict()
        if parts.get("y"):
            return date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
        if parts.get("m"):
            return _month_day(None, int(parts["m"]), int(parts["d"]), today)
        day = int(parts["d"])
        if day <= today.day:
            return today.replace(day=day)
        first = today.replace(day=1) - timedelta(days=1)
        return first.replace(day=day)
    return None
