"""The message catalog: every user-visible text, Chinese first, English second.

Texts live in ``messages.yaml`` as ``key: {zh: ..., en: ...}``. Messages are sent with
``parse_mode=HTML``; values interpolated with :func:`t` are HTML-escaped, so user input
can never break the markup.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
CATALOG_PATH = Path(__file__).with_name("messages.yaml")


class CatalogError(Exception):
    pass


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    # imported here: `ipbot --help` and the CLI's one-line errors before any text is needed
    # should not pay for PyYAML (benchmarks/cli_startup.py)
    import yaml

    # libyaml's loader when PyYAML has it: the catalog is read by every process at start
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(CATALOG_PATH.read_text(encoding="utf-8"), Loader=loader)
    if not isinstance(data, dict):
        raise CatalogError(f"{CATALOG_PATH.name}: not a mapping")
    for key, texts in data.items():
        if not isinstance(texts, dict) or set(texts) != set(LANGUAGES):
            raise CatalogError(f"{CATALOG_PATH.name}: {key} needs exactly {LANGUAGES}")
    return data


def normalize_language(code: str | None) -> str:
    """Map a Telegram ``language_code`` (or a stored preference) to a catalog language."""
    if code and code.lower().startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, /, **values: Any) -> str:
    """The text for ``key`` in ``lang`` with ``values`` HTML-escaped and filled in."""
    texts = catalog().get(key)
    if texts is None:
        raise KeyError(f"message {key!r} is not in the catalog")
    template = texts[lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    if not values:
        return template
    return template.format(**{k: _escape(v) for k, v in values.items()})


def raw(key: str, lang: str | None = None, /, **values: Any) -> str:
    """Like :func:`t` but without HTML escaping (for plain-text contexts: CLI, buttons)."""
    template = catalog()[key][lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    return template.format(**values) if values else template


def all_languages(key: str) -> set[str]:
    """Every language's text of ``key``: for recognising a reply-keyboard button press."""
    return set(catalog()[key].values())


class Safe(str):
    """Already-rendered HTML that :func:`t` must not escape again."""


def _escape(value: Any) -> str:
    if isinstance(value, Safe):
        return str(value)
    return html.escape(str(value), quote=False)
