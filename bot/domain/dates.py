"""Dates as field staff type them on a phone: ``2026-11-20``, ``11-20``, ``11月20日``,
``20日``, ``今天``, ``昨天``, ``前天``, ``3天前`` (and ``2026/11/20``, ``2026年11月20日``)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

_RELATIVE = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1,
             "前天": 2, "大前天": 3}
_DIGITS = str.maketrans("零〇一二三四五六七八九", "00123456789")
_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<d>\d{1,2})[日号]$"),
]
_DAYS_AGO = re.compile(r"^(?P<n>\d{1,3})\s*(天前|日前|days?\s*ago)$")


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
    s = s.translate(_DIGITS)
    for pattern in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        parts = m.groupdict()
        try:
            if parts.get("y"):
                return date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
            if parts.get("m"):
                candidate = date(today.year, int(parts["m"]), int(parts["d"]))
                return candidate if candidate <= today else candidate.replace(year=today.year - 1)
            day = int(parts["d"])
            if day <= today.day:
                return today.replace(day=day)
            first = today.replace(day=1) - timedelta(days=1)
            return first.replace(day=day)
        except ValueError:
            return None
    return None
