"""The FAQ data model, audience rules and the package's purity."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from bot.faq.model import Entry, KnowledgeBase, Source, allowed_audiences, visible_to

SOURCE = Source("s", "标题", "单位", None, dt.date(2025, 1, 1), "浙江省")


def make(entry_id: str, audience: str) -> Entry:
    return Entry(
        id=entry_id,
        question=f"问题{entry_id}",
        alternates=("a", "b", "c"),
        answer="答",
        source=SOURCE,
        audience=audience,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("audience", "viewer", "visible"),
    [
        ("everyone", "staff", True),
        ("everyone", "enterprise", True),
        ("everyone", "public", True),
        ("enterprise", "staff", True),
        ("enterprise", "enterprise", True),
        ("enterprise", "public", False),
        ("staff", "staff", True),
        ("staff", "enterprise", False),
        ("staff", "public", False),
    ],
)
def test_audience_rules(audience: str, viewer: str, visible: bool) -> None:
    assert visible_to(make("x", audience), viewer) is visible


def test_unknown_viewer() -> None:
    with pytest.raises(ValueError, match="unknown viewer"):
        allowed_audiences("commissioner")


def test_knowledge_base_indexes_and_filters() -> None:
    entries = [make("a", "everyone"), make("b", "staff"), make("c", "enterprise")]
    kb = KnowledgeBase.of(entries)
    assert len(kb) == 3 and kb["b"].audience == "staff"
    assert [e.id for e in kb.visible("public")] == ["a"]
    assert [e.id for e in kb.visible("enterprise")] == ["a", "c"]
    assert kb.sources == (SOURCE,)
    assert kb["a"].questions == ("问题a", "a", "b", "c")


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate entry id"):
        KnowledgeBase.of([make("a", "everyone"), make("a", "staff")])


def test_entries_are_immutable() -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        make("a", "everyone").answer = "改"  # type: ignore[misc]


def test_faq_package_is_pure() -> None:
    """bot.faq must not import telegram or sqlalchemy (other channels reuse it)."""
    from bot import i18n

    i18n_source = Path(i18n.__file__).read_text(encoding="utf-8")
    assert "import telegram" not in i18n_source and "sqlalchemy" not in i18n_source
    package = Path(__file__).resolve().parents[2] / "bot" / "faq"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in {"telegram", "sqlalchemy"}, f"{path.name} imports {name}"
                if root == "bot":  # the message catalog is pure too (render.py uses it)
                    assert name.startswith(("bot.faq", "bot.i18n")), f"{path.name} imports {name}"
