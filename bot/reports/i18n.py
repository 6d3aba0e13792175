"""The digest's texts: a catalog fragment in the shape of ``bot/messages.yaml``.

``bot/reports/messages.yaml`` holds ``digest.*`` keys as ``key: {zh: ..., en: ...}`` and is
meant to be appended to the main catalog. Until then :func:`rt` and :func:`rraw` read the
fragment, falling back to the main catalog for keys the fragment lacks (so the fragment can
be deleted after the merge without touching callers).
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, CatalogError, Safe, catalog

FRAGMENT_PATH = Path(__file__).with_name("messages.yaml")
KEY_PREFIX = "digest."


@lru_cache(maxsize=1)
def fragment() -> dict[str, dict[str, str]]:
    """The fragment's texts by key (empty once the fragment has been merged away)."""
    if not FRAGMENT_PATH.exists():
        return {}
    data = yaml.safe_load(FRAGMENT_PATH.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise CatalogError(f"{FRAGMENT_PATH}: not a mapping")
    for key, texts in data.items():
        if not str(key).startswith(KEY_PREFIX):
            raise CatalogError(f"{FRAGMENT_PATH}: {key} must start with {KEY_PREFIX!r}")
        if not isinstance(texts, dict) or set(texts) != set(LANGUAGES):
            raise CatalogError(f"{FRAGMENT_PATH}: {key} needs exactly {LANGUAGES}")
        if not all(isinstance(v, str) for v in texts.values()):
            raise CatalogError(f"{FRAGMENT_PATH}: {key} has a text that is not a string")
    return data


def _template(key: str, lang: str | None) -> str:
    texts = fragment().get(key) or catalog().get(key)
    if texts is None:
        raise KeyError(f"message {key!r} is in neither the digest fragment nor the catalog")
    return texts[lang if lang in LANGUAGES else DEFAULT_LANGUAGE]


def rt(key: str, lang: str | None = None, /, **values: Any) -> str:
    """The text for ``key`` in ``lang`` with ``values`` HTML-escaped (``Safe`` values kept)."""
    template = _template(key, lang)
    if not values:
        return template
    return template.format(**{k: _escape(v) for k, v in values.items()})


def rraw(key: str, lang: str | None = None, /, **values: Any) -> str:
    """Like :func:`rt` without escaping: for plain-text output (chart, workbook)."""
    template = _template(key, lang)
    return template.format(**values) if values else template


def _escape(value: Any) -> str:
    if isinstance(value, Safe):
        return str(value)
    return html.escape(str(value), quote=False)
