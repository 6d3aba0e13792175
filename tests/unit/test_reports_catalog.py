"""The digest's catalog fragment, its loader, and the purity rules of ``bot/reports``."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import bot.reports
from bot.i18n import Safe, catalog
from bot.reports.i18n import rraw, rt

PACKAGE = Path(bot.reports.__file__).parent
SOURCES = sorted(PACKAGE.glob("*.py"))


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_catalog_text_has_the_same_fields_in_both_languages():
    for key, langs in catalog().items():
        assert _fields(langs["zh"]) == _fields(langs["en"]), key


def test_every_digest_key_used_in_code_exists():
    used: set[str] = set()
    prefixes: set[str] = set()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'"(digest\.[a-z_.]+[a-z_])"', source))
        prefixes |= set(re.findall(r'f"(digest\.[a-z_.]*)\{', source))
    assert used and not used - set(catalog())
    for prefix in prefixes:
        assert any(k.startswith(prefix) for k in catalog()), prefix
    for value in ("commissioner", "envoy"):
        assert f"digest.role.{value}" in catalog()
    for value in ("on_site", "phone", "video", "online"):
        assert f"digest.mode.{value}" in catalog()
    for value in ("met", "due", "overdue", "waived", "upcoming"):
        assert f"digest.state.{value}" in catalog()


def test_rt_escapes_and_rraw_does_not():
    assert rt("digest.scope.city", "zh", city="<b>&") == "&lt;b&gt;&amp;"
    assert rt("digest.scope.city", "zh", city=Safe("<b>x</b>")) == "<b>x</b>"
    assert rraw("digest.scope.city", "en", city="<b>&") == "<b>&"
    assert rt("digest.role.envoy", "fr") == "特派员"  # unknown language: Chinese
    assert rt("scope.province", "en") == "the whole province"
    with pytest.raises(KeyError):
        rt("digest.no_such_key")


def test_no_transport_storage_clock_or_pyplot():
    banned_modules = ("telegram", "sqlalchemy", "matplotlib.pyplot", "pylab")
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                names = []
            for name in names:
                assert not name.startswith(banned_modules), f"{path.name} imports {name}"
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"now", "today", "utcnow"}
                and isinstance(node.value, ast.Name)
                and node.value.id in {"datetime", "date"}
            ):
                pytest.fail(f"{path.name}:{node.lineno} reads the clock")


def test_every_pack_letter_archive_and_evaluation_key_used_in_code_exists():
    root = PACKAGE.parent
    prefixes = ("pack", "letter", "archive", "eval", "case", "cli")
    used: set[str] = set()
    stems: set[str] = set()
    names = "|".join(prefixes)
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(rf'"((?:{names})\.[a-z_.]+[a-z_])"', source))
        stems |= set(re.findall(rf'f"((?:{names})\.[a-z_.]*)\{{', source))
        # keys the reports build from a short name: _r("sheet.visits", …) in their module
        module = {"evaluation.py": "pack", "letters.py": "letter", "archive.py": "archive"}
        if path.parent.name == "reports" and path.name in module:
            used |= {f"{module[path.name]}.{k}" for k in re.findall(
                r'_r\("([a-z_.]+[a-z_])"', source)}
            stems |= {f"{module[path.name]}.{k}" for k in re.findall(
                r'_r\(f"([a-z_.]*)\{', source)}
    assert used and not used - set(catalog()), sorted(used - set(catalog()))
    for stem in stems:
        assert any(k.startswith(stem) for k in catalog()), stem
