"""The shipped knowledge folder and evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.faq.loader import lint_folder, load_folder
from bot.faq.model import visible_to
from bot.faq.render import answer_text
from bot.faq.tiers import Answerer

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
EVAL = ROOT / "benchmarks" / "data" / "faq_eval.yaml"

# Floors well under what benchmarks/faq_eval.py reports, so that adding entries
# does not break the build, while a regression in the matcher does.  Set again in the
# second round of issue 12, when harder questions joined the tuning half (colloquial and
# English in-scope questions, statute questions on articles without a curated entry, far
# out-of-domain questions sharing the knowledge base's words); on that half the matcher
# then answered 76 % of in-scope questions right (98 % in the top 3), 77 % of statute
# questions, 3 % of near-domain questions with a policy answer and no far one.
TOP1_FLOOR = 0.72
TOP3_FLOOR = 0.93
STATUTE_FLOOR = 0.70
NEAR_CONFIDENT_CEILING = 0.06
FAR_ANSWERED_CEILING = 0.02  # a far out-of-domain question must not be answered

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
    """Asked as the public, on the tuning half (the held-out half is only for reporting)."""
    answerer = Answerer(load_folder(KNOWLEDGE))
    data = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    in_scope = [c for c in data["in_scope"]
                if visible_to(answerer.entry(c["expect"]), "public")]
    top1 = top3 = 0
    for case in in_scope:
        result = answerer.match(case["q"], "public")
        found = [m.entry.id for m in result.matches]
        top1 += result.status == "answer" and found[:1] == [case["expect"]]
        top3 += case["expect"] in found[:3]
    statutes = data["statutes"]
    right = 0
    for case in statutes:
        result = answerer.match(case["q"], "public")
        right += result.status == "answer" and all(
            f in result.best.entry.answer for f in case["facts"])
    far = data["out_of_scope"]
    answered = sum(answerer.match(c["q"], "public").status == "answer" for c in far)
    near = data["near_domain"]
    confident = 0
    for case in near:
        result = answerer.match(case["q"], "public")
        confident += result.status == "answer" and result.best.entry.kind != "route"
    assert top1 / len(in_scope) >= TOP1_FLOOR
    assert top3 / len(in_scope) >= TOP3_FLOOR
    assert right / len(statutes) >= STATUTE_FLOOR
    assert confident / len(near) <= NEAR_CONFIDENT_CEILING
    assert answered / len(far) <= FAR_ANSWERED_CEILING


@needs_knowledge
def test_english_reader_is_told_when_an_answer_is_in_chinese_only() -> None:
    kb = load_folder(KNOWLEDGE)
    assert all(e.question_en for e in kb)
    chinese_only = [e for e in kb if e.answer_en is None]
    for entry in chinese_only:
        text = answer_text(entry, "en")
        assert text.startswith("(This answer is available in Chinese only.)")
        assert entry.answer in text
    for entry in (e for e in kb if e.answer_en):
        assert "Chinese only" not in answer_text(entry, "en")
