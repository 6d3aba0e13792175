"""Loading and linting knowledge folders written into tmp_path."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from bot.faq.loader import KnowledgeError, Problem, lint_folder, load_folder

SOURCE = """\
source:
  id: {source_id}
  title: 测试文件
  issuer: 测试单位
  number: 测试〔2025〕1号
  date: 2025-03-20
  region: 浙江省
entries:
"""

ENTRY = """\
  - id: {id}
    question: {question}
    alternates:
      - {alt1}
      - {alt2}
      - {alt3}
    answer: {answer}
    section: 一（一）
    audience: {audience}
    tags: [测试]
"""

GOOD = [
    dict(
        id="visit-frequency",
        question="服务专员每年要到服务对象现场服务几次？",
        alt1="专员一年走访几次",
        alt2="服务专员 现场服务 频次",
        alt3="专员多久要去企业一次",
        answer="原则上每年不少于1次。",
        audience="everyone",
    ),
    dict(
        id="evaluation-cycle",
        question="服务专员多久评价一次？",
        alt1="专员几年评一次",
        alt2="服务专员 评价 周期",
        alt3="服务专员评价结果怎么用",
        answer="每2年评价一次。",
        audience="everyone",
    ),
]


def write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def knowledge_file(entries: list[dict[str, str]], source_id: str = "test-2025-1") -> str:
    return SOURCE.format(source_id=source_id) + "".join(ENTRY.format(**e) for e in entries)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# ---------------------------------------------------------------- loading


def test_a_good_folder_loads(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", knowledge_file(GOOD))
    assert lint_folder(tmp_path) == []
    kb = load_folder(tmp_path)
    assert [e.id for e in kb] == ["visit-frequency", "evaluation-cycle"]
    entry = kb["visit-frequency"]
    assert entry.source.id == "test-2025-1"
    assert entry.source.date == dt.date(2025, 3, 20)
    assert entry.source.number == "测试〔2025〕1号"
    assert entry.alternates == (
        "专员一年走访几次",
        "服务专员 现场服务 频次",
        "专员多久要去企业一次",
    )
    assert entry.tags == ("测试",)
    assert entry.audience == "everyone"
    assert entry.file == str(tmp_path / "a.yaml")
    assert entry.line == line_of(knowledge_file(GOOD), "- id: visit-frequency")
    assert kb.source("test-2025-1") is entry.source
    assert "evaluation-cycle" in kb and kb.get("nope") is None


def test_nullable_source_fields(tmp_path: Path) -> None:
    body = knowledge_file(GOOD).replace("测试〔2025〕1号", "null")
    body = body.replace("2025-03-20", "null").replace("浙江省", "null")
    write(tmp_path, "bot.yaml", body)
    kb = load_folder(tmp_path)
    source = kb["visit-frequency"].source
    assert (source.number, source.date, source.region) == (None, None, None)


def test_optional_english_fields(tmp_path: Path) -> None:
    body = knowledge_file(GOOD[:1]) + "    question_en: How often?\n    answer_en: Once a year.\n"
    write(tmp_path, "a.yaml", body)
    entry = load_folder(tmp_path)["visit-frequency"]
    assert (entry.question_en, entry.answer_en) == ("How often?", "Once a year.")


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    bad = dict(GOOD[0], audience="nobody", id="Bad_Id")
    write(tmp_path, "a.yaml", knowledge_file([bad]))
    with pytest.raises(KnowledgeError) as caught:
        load_folder(tmp_path)
    messages = [p.message for p in caught.value.problems]
    assert any("audience 'nobody'" in m for m in messages)
    assert any("id must match" in m for m in messages)
    assert "2 problems in the knowledge folder" in str(caught.value)


def test_problem_renders_as_file_line_message() -> None:
    assert str(Problem("knowledge/a.yaml", 12, "boom")) == "knowledge/a.yaml:12: boom"


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    assert "does not exist" in only(lint_folder(tmp_path / "missing")).message
    assert "no .yaml files" in only(lint_folder(tmp_path)).message


# ---------------------------------------------------------------- lint: where and what


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    body = knowledge_file(GOOD).replace("answer: 每2年评价一次。", "answer: [每2年评价一次。")
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.file == str(tmp_path / "a.yaml")
    assert "YAML syntax error" in problem.message
    assert abs(problem.line - line_of(body, "answer: [每2年")) <= 2


def test_missing_field_points_at_the_entry(tmp_path: Path) -> None:
    body = knowledge_file(GOOD).replace("    answer: 每2年评价一次。\n", "")
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "- id: evaluation-cycle")
    assert "entry 'evaluation-cycle': missing field 'answer'" in problem.message


def test_wrong_type_points_at_the_field(tmp_path: Path) -> None:
    body = knowledge_file(GOOD).replace("    tags: [测试]", "    tags: {a: b}", 1)
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "tags: {a: b}")
    assert "must be a list" in problem.message


def test_bad_id_points_at_the_id(tmp_path: Path) -> None:
    entry = dict(GOOD[1], id="Evaluation_Cycle")
    body = knowledge_file([GOOD[0], entry])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "- id: Evaluation_Cycle")
    assert "id must match [a-z0-9-]" in problem.message


def test_duplicate_entry_id_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", knowledge_file(GOOD[:1], "src-a"))
    other = dict(GOOD[1], id="visit-frequency")
    body_b = knowledge_file([other], "src-b")
    write(tmp_path, "b.yaml", body_b)
    problem = only(lint_folder(tmp_path))
    assert problem.file == str(tmp_path / "b.yaml")
    assert problem.line == line_of(body_b, "- id: visit-frequency")
    assert f"already used at {tmp_path / 'a.yaml'}:" in problem.message


def test_duplicate_source_id_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", knowledge_file(GOOD[:1], "same"))
    write(tmp_path, "b.yaml", knowledge_file(GOOD[1:], "same"))
    problem = only(lint_folder(tmp_path))
    assert (problem.file, problem.line) == (str(tmp_path / "b.yaml"), 2)
    assert "source id 'same' is also used by" in problem.message


def test_too_few_alternates(tmp_path: Path) -> None:
    body = knowledge_file(GOOD).replace("      - 专员多久要去企业一次\n", "")
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "alternates:")
    assert "at least 3 alternates (has 2)" in problem.message


def test_bad_audience(tmp_path: Path) -> None:
    body = knowledge_file([dict(GOOD[0], audience="public")])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "audience: public")
    assert "audience 'public' must be one of enterprise, everyone, staff" in problem.message


def test_missing_source_block(tmp_path: Path) -> None:
    body = knowledge_file(GOOD)
    body = body[body.index("entries:") :]
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.message == "file has no 'source' block"


def test_incomplete_source_block(tmp_path: Path) -> None:
    body = knowledge_file(GOOD).replace("  issuer: 测试单位\n", "")
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == 2
    assert "source: missing field 'issuer'" in problem.message


def test_bad_source_date(tmp_path: Path) -> None:
    body = knowledge_file(GOOD).replace("2025-03-20", "20 March")
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "date: 20 March")


def test_unknown_entry_source_reference(tmp_path: Path) -> None:
    body = knowledge_file(GOOD[:1]) + "    source: elsewhere\n"
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "source: elsewhere")
    assert "unknown source 'elsewhere'" in problem.message


def test_entry_may_cite_another_known_source(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", knowledge_file(GOOD[:1], "src-a"))
    write(tmp_path, "b.yaml", knowledge_file(GOOD[1:], "src-b") + "    source: src-a\n")
    assert load_folder(tmp_path)["evaluation-cycle"].source.id == "src-a"


def test_empty_answer(tmp_path: Path) -> None:
    body = knowledge_file([dict(GOOD[0], answer='""')])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, 'answer: ""')
    assert "field 'answer' is empty" in problem.message


def test_answer_too_long_for_a_phone(tmp_path: Path) -> None:
    body = knowledge_file([dict(GOOD[0], answer="很" * 601)])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "answer: 很")
    assert "answer is 601 characters, over 600" in problem.message


def test_duplicate_alternate_within_an_entry(tmp_path: Path) -> None:
    # the same alternate again, only differing in punctuation and script
    body = knowledge_file([dict(GOOD[0], alt3="專員一年走訪幾次？")])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "專員一年走訪幾次")
    assert "repeats alternate '专员一年走访几次'" in problem.message


def test_alternate_repeating_the_question(tmp_path: Path) -> None:
    body = knowledge_file([dict(GOOD[0], alt2="服务专员每年要到服务对象现场服务几次")])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert "repeats the question" in problem.message


def test_duplicate_question_across_entries(tmp_path: Path) -> None:
    copy = dict(GOOD[1], id="copy", alt3="服务专员每年到服务对象现场服务几次")
    body = knowledge_file([GOOD[0], copy])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "- 服务专员每年到服务对象现场服务几次")
    assert "entry 'copy'" in problem.message
    assert "of entry 'visit-frequency'" in problem.message
    # 要 differs, but the synonym-normalised strings differ only by one character
    assert "nearly duplicates" in problem.message or "duplicates" in problem.message


def test_exact_duplicate_after_normalisation(tmp_path: Path) -> None:
    copy = dict(GOOD[1], id="copy", alt3="服務專員，每年要到服務對象現場服務幾次？")
    body = knowledge_file([GOOD[0], copy])
    write(tmp_path, "a.yaml", body)
    problem = only(lint_folder(tmp_path))
    assert problem.line == line_of(body, "服務專員，每年要到服務對象現場服務幾次")
    assert " duplicates '服务专员每年要到服务对象现场服务几次？'" in problem.message


def test_near_duplicate_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", knowledge_file(GOOD[:1], "src-a"))
    near = dict(GOOD[1], id="near", question="服务专员每年需要到服务对象现场服务几次？")
    body_b = knowledge_file([near], "src-b")
    write(tmp_path, "b.yaml", body_b)
    problem = only(lint_folder(tmp_path))
    assert problem.file == str(tmp_path / "b.yaml")
    assert problem.line == line_of(body_b, "question: 服务专员每年需要")
    assert "nearly duplicates (similarity" in problem.message


def test_different_roles_are_not_near_duplicates(tmp_path: Path) -> None:
    envoy = dict(
        GOOD[1],
        id="envoy-frequency",
        question="特派员每年要到服务对象现场服务几次？",
        alt1="特派员一年走访几次",
        alt2="特派员 现场服务 频次",
        alt3="特派员多久要去县里一次",
    )
    write(tmp_path, "a.yaml", knowledge_file([GOOD[0], envoy]))
    assert lint_folder(tmp_path) == []


def test_unknown_and_repeated_fields(tmp_path: Path) -> None:
    body = knowledge_file(GOOD[:1]) + "    answr: 笔误\n    section: 二\n"
    write(tmp_path, "a.yaml", body)
    problems = lint_folder(tmp_path)
    assert [p.line for p in problems] == [line_of(body, "answr:"), line_of(body, "section: 二")]
    assert "unknown field 'answr'" in problems[0].message
    assert "field 'section' is given twice" in problems[1].message


def test_problems_are_sorted_by_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", knowledge_file([dict(GOOD[1], audience="x")], "src-b"))
    write(tmp_path, "a.yaml", knowledge_file([dict(GOOD[0], audience="y")], "src-a"))
    problems = lint_folder(tmp_path)
    assert [Path(p.file).name for p in problems] == ["a.yaml", "b.yaml"]


def test_lint_runs_through_a_large_folder(tmp_path: Path) -> None:

    entries = [
        dict(
            id=f"entry-{i}",
            question=f"第{i}号文件第{i * 7 % 13}条关于{i % 17}的规定是什么？",
            alt1=f"{i}号文件 第{i * 7 % 13}条 {i % 17}",
            alt2=f"文件{i}条款{i * 7 % 13}内容{i % 17}",
            alt3=f"问{i}文第{i * 7 % 13}条{i % 17}规定",
            answer="见原文。",
            audience="everyone",
        )
        for i in range(600)
    ]
    write(tmp_path, "big.yaml", textwrap.dedent(knowledge_file(entries)))
    problems = lint_folder(tmp_path)  # a large folder lints to the end (speed: benchmarks/)
    assert all(p.line and "big.yaml" in p.file for p in problems)


def test_parallel_questions_for_other_regions_are_not_duplicates(tmp_path: Path) -> None:
    shanghai = dict(
        GOOD[0],
        id="sh-funding",
        question="上海知识产权人才工作的经费由哪些渠道保障？",
        alt1="上海 人才 经费投入",
        alt2="上海人才工作经费从哪里来",
        alt3="上海 多元化人才投入机制",
    )
    jiyuan = dict(
        GOOD[1],
        id="jy-funding",
        question="济源知识产权人才工作的经费由哪些渠道保障？",
        alt1="济源 人才 经费投入",
        alt2="济源人才工作经费从哪里来",
        alt3="济源 多元化人才投入机制",
    )
    write(tmp_path, "a.yaml", knowledge_file([shanghai, jiyuan]))
    assert lint_folder(tmp_path) == []


def test_lint_names_an_expansion_term_that_nothing_holds(tmp_path: Path) -> None:
    from bot.faq.loader import expansion_problems

    kb = load_folder(Path(__file__).resolve().parents[2] / "knowledge")
    vocabulary = tmp_path / "synonyms.yaml"
    vocabulary.write_text(
        "synonyms:\n  重缴: [交两遍]\ndrop:\n  - 的\nexpand:\n  # a comment\n"
        "  交重复: [交两遍, 重复缴纳的滞纳罚金]\n"   # line 7: the first is held once rewritten
        "  '多久公开': [公布]\n"                     # line 8: quoted, held
        "  太贵: 不是列表\n"                          # line 9: not a list
        "  退费:\n    - 退款\n    - 的\n"            # lines 10-12: block list; 的 is dropped
        "  交重复: [退款]\n",                         # line 13: given twice
        encoding="utf-8")
    problems = expansion_problems(kb, vocabulary)
    assert [(p.file, p.line) for p in problems] == [
        ("synonyms.yaml", 7), ("synonyms.yaml", 9), ("synonyms.yaml", 12),
        ("synonyms.yaml", 13)]
    dead, not_list, nothing, twice = (p.message for p in problems)
    assert "重复缴纳的滞纳罚金" in dead and "交重复" in dead
    assert "list" in not_list and "nothing" in nothing and "line 7" in twice
    assert expansion_problems(kb) == []  # the shipped vocabulary has no dead term
