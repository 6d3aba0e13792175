"""The shipped knowledge folder and evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.faq.loader import lint_folder, load_folder
from bot.faq.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
EVAL = ROOT / "benchmarks" / "data" / "faq_eval.yaml"

# Floors well under what benchmarks/faq_eval.py reports, so that adding entries
# does not break the build, while a regression in the matcher does.
TOP1_FLOOR = 0.80
TOP3_FLOOR = 0.88
OOS_NO_ANSWER_FLOOR = 0.93

needs_knowledge = pytest.mark.skipif(
    not any(KNOWLEDGE.glob("*.yaml")), reason="knowledge/ has no files yet"
)


@needs_knowledge
def test_shipped_folder_lints_clean_and_loads() -> None:
    problems = lint_folder(KNOWLEDGE)
    assert problems == [], "\n".join(map(str, problems))
    kb = load_folder(KNOWLEDGE)
    assert len(kb) > 0
    assert all(e.source.id for e in kb)


@needs_knowledge
def test_evaluation_set_accuracy_floor() -> None:
    kb = load_folder(KNOWLEDGE)
    matcher = Matcher(kb)
    data = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    in_scope = data["in_scope"]
    out_of_scope = data["out_of_scope"]
    top1 = top3 = 0
    for case in in_scope:
        result = matcher.match(case["q"], "staff")
        found = [m.entry.id for m in result.matches]
        top1 += result.status == "answer" and found[:1] == [case["expect"]]
        top3 += case["expect"] in found[:3]
    rejected = sum(matcher.match(c["q"], "staff").status != "answer" for c in out_of_scope)
    assert top1 / len(in_scope) >= TOP1_FLOOR
    assert top3 / len(in_scope) >= TOP3_FLOOR
    assert rejected / len(out_of_scope) >= OOS_NO_ANSWER_FLOOR
