"""Turn service outcomes (catalog keys and values) into text in a language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.i18n import catalog, raw, t

_TRANSLATED_VALUES = {"role": "role."}


def _localise(values: Mapping[str, Any], lang: str) -> dict[str, Any]:
    out = dict(values)
    for name, prefix in _TRANSLATED_VALUES.items():
        value = out.get(name)
        if isinstance(value, str) and prefix + value in catalog():
            out[name] = raw(prefix + value, lang)
    return out


def problem(code: str, values: Mapping[str, Any], lang: str, *, html: bool = True) -> str:
    """A service error or roster problem, in ``lang``."""
    render = t if html else raw
    return render(code, lang, **_localise(values, lang))
