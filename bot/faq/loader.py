"""Loading and linting the knowledge folder (``knowledge/*.yaml``).

Each file holds one ``source`` block (or the id of a statute, ``source: cn-patent-law-2020``)
and a list of ``entries``::

    source:
      id: zj-2025-3
      title: ...
      issuer: ...
      number: 浙质标知办〔2025〕3号      # may be null
      date: 2025-03-20
      region: 浙江省
    entries:
      - id: zj-commissioner-visit-frequency
        question: 服务专员每年要到服务对象现场服务几次？
        alternates: [..., ..., ...]    # at least 3
        answer: ...
        section: 附件1 二（二）
        audience: everyone             # everyone | staff | enterprise
        tags: [服务专员, 走访]
        question_en: ...               # optional
        answer_en: ...                 # optional
        kind: answer                   # optional: answer (default) | route
        source: cn-patent-law-2020     # optional: another source (e.g. a statute)

The statutes in ``statutes/`` (see :mod:`bot.faq.statutes`) are loaded too; their
ids are sources that entries may name.  Beyond the structure, lint checks that

* every statute citation in an answer (《专利法》（2020年修正）第四十二条) names an
  existing article of the version in force, and every 「quote」 is verbatim in a
  cited article (or in the article the entry's ``section`` names);
* an entry drawn from a public document (a numbered notice or a statute) is
  visible to everyone: only the bot's own usage notes may be role-specific;
* a routing entry (``kind: route``: "not covered here, ask …") holds no figures,
  telephone numbers, e-mail or web addresses.

The files are parsed into PyYAML node trees (not plain objects) so that every
problem can be reported at the line of the offending entry or field.
:func:`lint_folder` returns every problem; :func:`load_folder` raises
:class:`KnowledgeError` if there is any, and otherwise returns the
:class:`KnowledgeBase`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, cast

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.faq.duplicates import NEAR_DUPLICATE_RATIO, QuestionText, find_duplicates
from bot.faq.model import AUDIENCES, KINDS, Audience, Entry, Kind, KnowledgeBase, Source
from bot.faq.normalize import SYNONYMS_FILE, Expansions, SynonymTable, compact, normalize
from bot.faq.problems import KnowledgeError, Problem
from bot.faq.statutes import CITATION, StatuteBook, load_statutes, parse_chinese_number

__all__ = [
    "MAX_ANSWER_CHARS",
    "MIN_ALTERNATES",
    "KnowledgeError",
    "Problem",
    "lint_folder",
    "load_folder",
]

ID_PATTERN: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Entry ids travel in Telegram button data (64 bytes with a prefix and a question number).
MAX_ENTRY_ID = 40
MIN_ALTERNATES: Final[int] = 3
# A phone screen shows roughly 600 Chinese characters before the reader has to
# scroll a long way; longer answers should be split or summarised.
MAX_ANSWER_CHARS: Final[int] = 600

_SOURCE_FIELDS: Final = ("id", "title", "issuer", "number", "date", "region")
# Every field must be written; number, date and region may be null (the bot's
# own usage notes have none of them).
_SOURCE_REQUIRED: Final = _SOURCE_FIELDS
_ENTRY_FIELDS: Final = (
    "id",
    "question",
    "alternates",
    "answer",
    "section",
    "audience",
    "tags",
    "question_en",
    "answer_en",
    "source",
    "kind",
)
_ROUTE_FORBIDDEN: Final = re.compile(r"[0-9０-９]|@|https?:|www\.|电话|热线|邮箱")
_ARTICLE_SECTION: Final = re.compile(r"第([零一二三四五六七八九十百]+)条")
_ENTRY_REQUIRED: Final = ("id", "question", "alternates", "answer", "audience")
_TOP_FIELDS: Final = ("source", "entries")


def _construct(node: Node) -> object:
    """The plain Python value of a node (safe tags only)."""
    return SafeConstructor().construct_document(node)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


@dataclass
class _FileReport:
    """What one file yields: its source, entries (with their nodes) and problems."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    source: Source | None = None
    source_ref: str | None = None
    source_line: int = 1
    entries: list[tuple[dict[str, object], int]] = field(default_factory=list)
    texts: list[QuestionText] = field(default_factory=list)

    def problem(self, where: Node | int, message: str) -> None:
        line = where if isinstance(where, int) else _line(where)
        self.problems.append(Problem(self.file, line, message))


def _mapping_fields(
    report: _FileReport, node: MappingNode, allowed: tuple[str, ...], what: str
) -> dict[str, tuple[Node, Node]]:
    """Keys of a mapping node → (key node, value node); flags unknown and repeated keys."""
    fields: dict[str, tuple[Node, Node]] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if not isinstance(key, str):
            report.problem(key_node, f"{what}: keys must be plain strings")
            continue
        if key in fields:
            report.problem(key_node, f"{what}: field '{key}' is given twice")
            continue
        if key not in allowed:
            report.problem(key_node, f"{what}: unknown field '{key}'")
            continue
        fields[key] = (key_node, value_node)
    return fields


def _string(
    report: _FileReport,
    fields: dict[str, tuple[Node, Node]],
    name: str,
    what: str,
    *,
    nullable: bool = False,
) -> str | None:
    """A non-empty string field, or ``None`` (absent, null when ``nullable``, or a problem)."""
    pair = fields.get(name)
    if pair is None:
        return None
    _, node = pair
    try:
        value = _construct(node)
    except (ConstructorError, ValueError) as exc:
        report.problem(node, f"{what}: field '{name}' cannot be read: {exc}")
        return None
    if value is None:
        if not nullable:
            report.problem(node, f"{what}: field '{name}' is empty")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        report.problem(node, f"{what}: field '{name}' must be text")
        return None
    text = str(value).strip()
    if not text:
        report.problem(node, f"{what}: field '{name}' is empty")
        return None
    return text


def _string_list(
    report: _FileReport, fields: dict[str, tuple[Node, Node]], name: str, what: str
) -> list[tuple[str, Node]] | None:
    """A list of non-empty strings with their nodes, or ``None`` if malformed."""
    pair = fields.get(name)
    if pair is None:
        return None
    _, node = pair
    if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
        return []
    if not isinstance(node, SequenceNode):
        report.problem(node, f"{what}: field '{name}' must be a list")
        return None
    items: list[tuple[str, Node]] = []
    for item in node.value:
        value = _construct(item) if isinstance(item, ScalarNode) else item
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            report.problem(item, f"{what}: every item of '{name}' must be text")
            continue
        text = str(value).strip()
        if not text:
            report.problem(item, f"{what}: an item of '{name}' is empty")
            continue
        items.append((text, item))
    return items


def _check_source(report: _FileReport, node: Node | None, top: MappingNode) -> None:
    if node is None:
        report.problem(top, "file has no 'source' block")
        return
    report.source_line = _line(node)
    if isinstance(node, ScalarNode) and node.tag.endswith(":str") and node.value:
        report.source_ref = node.value  # the id of a source given elsewhere (a statute)
        return
    if not isinstance(node, MappingNode):
        report.problem(node, "'source' must be a mapping")
        return
    what = "source"
    fields = _mapping_fields(report, node, _SOURCE_FIELDS, what)
    before = len(report.problems)
    for name in _SOURCE_REQUIRED:
        if name not in fields:
            report.problem(node, f"{what}: missing field '{name}'")
    source_id = _string(report, fields, "id", what)
    if source_id is not None and not ID_PATTERN.fullmatch(source_id):
        report.problem(fields["id"][1], f"{what}: id '{source_id}' must match [a-z0-9-]")
    title = _string(report, fields, "title", what)
    issuer = _string(report, fields, "issuer", what)
    number = _string(report, fields, "number", what, nullable=True)
    region = _string(report, fields, "region", what, nullable=True)
    date: dt.date | None = None
    if "date" in fields:
        date_node = fields["date"][1]
        raw: object
        try:
            raw = _construct(date_node)
        except (ConstructorError, ValueError):
            raw = "invalid"
        if isinstance(raw, dt.datetime):
            date = raw.date()
        elif isinstance(raw, dt.date):
            date = raw
        elif isinstance(raw, str):
            try:
                date = dt.date.fromisoformat(raw.strip())
            except ValueError:
                date = None
        if date is None and raw is not None:
            report.problem(date_node, f"{what}: date must be YYYY-MM-DD (or null)")
    if len(report.problems) == before and source_id and title and issuer:
        report.source = Source(
            id=source_id,
            title=title,
            issuer=issuer,
            number=number,
            date=date,
            region=region,
            file=report.file,
        )


def _check_entry(report: _FileReport, node: Node, index: int) -> None:
    if not isinstance(node, MappingNode):
        report.problem(node, f"entry #{index + 1} must be a mapping")
        return
    id_pair = next(
        (v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "id"), None
    )
    label = (
        f"entry '{id_pair.value}'"
        if isinstance(id_pair, ScalarNode) and id_pair.value
        else f"entry #{index + 1}"
    )
    fields = _mapping_fields(report, node, _ENTRY_FIELDS, label)
    before = len(report.problems)
    for name in _ENTRY_REQUIRED:
        if name not in fields:
            report.problem(node, f"{label}: missing field '{name}'")

    entry_id = _string(report, fields, "id", label)
    if entry_id is not None and not ID_PATTERN.fullmatch(entry_id):
        report.problem(fields["id"][1], f"{label}: id must match [a-z0-9-] (got '{entry_id}')")
    elif entry_id is not None and len(entry_id) > MAX_ENTRY_ID:
        report.problem(fields["id"][1], f"{label}: id is longer than {MAX_ENTRY_ID} characters")
    question = _string(report, fields, "question", label)
    answer = _string(report, fields, "answer", label)
    if answer is not None and len(answer) > MAX_ANSWER_CHARS:
        report.problem(
            fields["answer"][1],
            f"{label}: answer is {len(answer)} characters, over {MAX_ANSWER_CHARS} "
            "(too long to read on a phone)",
        )
    section = _string(report, fields, "section", label, nullable=True)
    question_en = _string(report, fields, "question_en", label, nullable=True)
    answer_en = _string(report, fields, "answer_en", label, nullable=True)
    source_ref = _string(report, fields, "source", label)
    kind = _string(report, fields, "kind", label) or "answer"
    if kind not in KINDS - {"statute"}:
        report.problem(fields["kind"][1], f"{label}: kind '{kind}' must be answer or route")
    elif kind == "route" and answer is not None:
        found = _ROUTE_FORBIDDEN.search(CITATION.sub("", answer))
        if found:
            report.problem(
                fields["answer"][1],
                f"{label}: a routing answer must not give figures, telephone numbers or "
                f"addresses ('{found.group(0)}')",
            )

    audience = _string(report, fields, "audience", label)
    if audience is not None and audience not in AUDIENCES:
        report.problem(
            fields["audience"][1],
            f"{label}: audience '{audience}' must be one of {', '.join(sorted(AUDIENCES))}",
        )

    alternates = _string_list(report, fields, "alternates", label)
    if alternates is not None and len(alternates) < MIN_ALTERNATES:
        report.problem(
            fields["alternates"][0],
            f"{label}: needs at least {MIN_ALTERNATES} alternates (has {len(alternates)})",
        )
    tags = _string_list(report, fields, "tags", label) or []

    if question is not None and alternates is not None:
        seen: dict[str, str] = {compact(normalize(question)): "the question"}
        for text, alt_node in alternates:
            key = compact(normalize(text))
            if key in seen:
                report.problem(alt_node, f"{label}: alternate '{text}' repeats {seen[key]}")
            else:
                seen[key] = f"alternate '{text}'"
        if entry_id is not None:
            report.texts.append(
                QuestionText(entry_id, question, report.file, _line(fields["question"][1]))
            )
            report.texts.extend(
                QuestionText(entry_id, text, report.file, _line(alt_node))
                for text, alt_node in alternates
            )

    if len(report.problems) == before:
        report.entries.append(
            (
                {
                    "id": entry_id,
                    "question": question,
                    "alternates": tuple(t for t, _ in alternates or ()),
                    "answer": answer,
                    "section": section,
                    "audience": cast(Audience, audience),
                    "tags": tuple(t for t, _ in tags),
                    "question_en": question_en,
                    "answer_en": answer_en,
                    "source": source_ref,
                    "kind": kind,
                    "answer_line": _line(fields["answer"][1]) if "answer" in fields else 0,
                    "id_line": _line(fields["id"][1]),
                    "source_line": _line(fields["source"][1]) if "source" in fields else 0,
                },
                _line(node),
            )
        )


def _check_file(path: Path, display: str) -> _FileReport:
    report = _FileReport(display)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        report.problem(1, f"cannot read file: {exc}")
        return report
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        report.problem(line, f"YAML syntax error: {exc.problem or exc.context}")
        return report
    except yaml.YAMLError as exc:
        report.problem(1, f"YAML error: {exc}")
        return report
    if root is None:
        report.problem(1, "file is empty")
        return report
    if not isinstance(root, MappingNode):
        report.problem(root, "file must be a mapping with 'source' and 'entries'")
        return report
    top = _mapping_fields(report, root, _TOP_FIELDS, "file")
    _check_source(report, top["source"][1] if "source" in top else None, root)
    entries = top.get("entries")
    if entries is None:
        report.problem(root, "file has no 'entries' list")
    elif not isinstance(entries[1], SequenceNode):
        report.problem(entries[1], "'entries' must be a list")
    elif not entries[1].value:
        report.problem(entries[1], "'entries' is empty")
    else:
        for index, node in enumerate(entries[1].value):
            _check_entry(report, node, index)
    return report


def _knowledge_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _display(folder: Path, path: Path) -> str:
    return str(folder / path.name)


def _analyse(
    folder: Path,
    near_duplicate_ratio: float,
    synonyms: SynonymTable | None,
) -> tuple[list[Problem], KnowledgeBase | None]:
    """Every problem of the folder, and the knowledge base when there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        return [Problem(str(folder), 0, "knowledge folder does not exist")], None
    files = _knowledge_files(folder)
    if not files:
        return [Problem(str(folder), 0, "knowledge folder has no .yaml files")], None

    reports = [_check_file(p, _display(folder, p)) for p in files]
    problems = [p for r in reports for p in r.problems]
    book, statute_problems = load_statutes(folder)
    problems.extend(statute_problems)

    sources: dict[str, Source] = {s.id: s.source for s in book}
    for report in reports:
        src = report.source
        if report.source_ref is not None:
            report.source = sources.get(report.source_ref)
            if report.source is None:
                problems.append(Problem(report.file, report.source_line,
                                        f"unknown source '{report.source_ref}'"))
            continue
        if src is None:
            continue
        if src.id in sources:
            problems.append(
                Problem(
                    report.file,
                    report.source_line,
                    f"source id '{src.id}' is also used by {sources[src.id].file}",
                )
            )
        else:
            sources[src.id] = src

    entries: list[Entry] = []
    first_id: dict[str, str] = {}
    for report in reports:
        for data, line in report.entries:
            entry_id = cast(str, data["id"])
            where = f"{report.file}:{data['id_line']}"
            if entry_id in first_id:
                problems.append(
                    Problem(
                        report.file,
                        cast(int, data["id_line"]),
                        f"entry id '{entry_id}' is already used at {first_id[entry_id]}",
                    )
                )
                continue
            first_id[entry_id] = where
            source = report.source
            ref = data["source"]
            if ref is not None:
                source = sources.get(cast(str, ref))
                if source is None:
                    problems.append(
                        Problem(
                            report.file,
                            cast(int, data["source_line"]),
                            f"entry '{entry_id}': unknown source '{ref}'",
                        )
                    )
                    continue
            if source is None:
                continue  # the file's source block is already reported
            problems.extend(
                Problem(report.file, cast(int, data["answer_line"]), f"entry '{entry_id}': {msg}")
                for msg in _check_statute_text(book, source, data)
            )
            if source.is_public_document and data["audience"] != "everyone" and (
                data["kind"] != "route"
            ):
                problems.append(Problem(
                    report.file, cast(int, data["id_line"]),
                    f"entry '{entry_id}' is drawn from a public document ({source.title}) but "
                    f"is only for '{data['audience']}': make it 'everyone'"))
            entries.append(
                Entry(
                    id=entry_id,
                    question=cast(str, data["question"]),
                    alternates=cast(tuple[str, ...], data["alternates"]),
                    answer=cast(str, data["answer"]),
                    source=source,
                    audience=cast(Audience, data["audience"]),
                    section=cast("str | None", data["section"]),
                    tags=cast(tuple[str, ...], data["tags"]),
                    question_en=cast("str | None", data["question_en"]),
                    answer_en=cast("str | None", data["answer_en"]),
                    file=report.file,
                    line=line,
                    kind=cast(Kind, data["kind"]),
                )
            )

    texts = [t for r in reports for t in r.texts]
    for pair in find_duplicates(texts, threshold=near_duplicate_ratio, synonyms=synonyms):
        kind = "duplicates" if pair.exact else f"nearly duplicates (similarity {pair.score:.0f})"
        problems.append(
            Problem(
                pair.later.file,
                pair.later.line,
                f"entry '{pair.later.entry_id}': '{pair.later.text}' {kind} "
                f"'{pair.earlier.text}' of entry '{pair.earlier.entry_id}' "
                f"({pair.earlier.file}:{pair.earlier.line})",
            )
        )

    problems.sort(key=_problem_order(files, folder))
    if problems:
        return problems, None
    used = {e.source.id for e in entries} | {s.id for s in sources.values() if not s.is_statute}
    return [], KnowledgeBase(
        entries=tuple(entries),
        sources=tuple(s for s in sources.values() if s.id in used),
        statutes=book,
    )


def _check_statute_text(book: StatuteBook, source: Source, data: dict[str, object]) -> list[str]:
    """Citation and quote problems of an entry's answer (see :meth:`StatuteBook.check_answer`).

    The article an entry's ``section`` names (第四十二条) counts as cited when the entry's
    source is a statute.
    """
    extra = []
    section = data.get("section")
    if source.is_statute and isinstance(section, str):
        statute = book.get(source.id)
        for m in _ARTICLE_SECTION.finditer(section):
            number = parse_chinese_number(m.group(1))
            article = statute.article(number) if statute and number else None
            if article is None:
                return [f"section '{section}': {source.short} has no {m.group(0)}"]
            extra.append((statute, article))
    return book.check_answer(cast(str, data["answer"]), extra)


def _problem_order(files: list[Path], folder: Path) -> Callable[[Problem], tuple[int, int, str]]:
    rank = {_display(folder, p): i for i, p in enumerate(files)}
    return lambda p: (rank.get(p.file, -1), p.line, p.message)


def lint_folder(
    path: str | Path,
    *,
    near_duplicate_ratio: float = NEAR_DUPLICATE_RATIO,
    synonyms: SynonymTable | None = None,
) -> list[Problem]:
    """Every problem in the knowledge folder, in file and line order (empty when clean)."""
    problems, _ = _analyse(Path(path), near_duplicate_ratio, synonyms)
    return problems


def expansion_problems(kb: KnowledgeBase, file: Path = SYNONYMS_FILE) -> list[Problem]:
    """What is wrong with the ``expand:`` rules of the vocabulary ``file``: a term that no
    entry and no statute article of ``kb`` holds (an expansion adds only the evidence that a
    text holds its terms, so such a term never helps: a misspelt statutory phrase, or one
    the normaliser rewrites into something else or into nothing), a trigger given twice (the
    last one wins), a rule that is not a trigger with a list of terms.

    A check of the shipped vocabulary against the shipped folder (a unit test and
    ``benchmarks/faq_eval.py --check`` run it), not of any folder: another folder may well
    hold none of a statute's terms."""
    root = yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    data = _construct(root) if root is not None else {}
    table = SynonymTable.from_mapping(data if isinstance(data, dict) else {})
    texts = [t for e in kb.entries for t in (*e.questions, e.question_en or "", *e.tags,
                                             e.answer, e.answer_en or "")]
    texts += [a.text for statute in (kb.statutes or ()) for a in statute.articles]
    held = "\n".join(Expansions.form(t, table) for t in texts)
    top = root.value if isinstance(root, MappingNode) else []
    rules = next((v for k, v in top if isinstance(k, ScalarNode) and k.value == "expand"), None)
    if not isinstance(rules, MappingNode):
        return []
    problems: list[Problem] = []
    first: dict[str, int] = {}

    def problem(node: Node, message: str) -> None:
        problems.append(Problem(file.name, _line(node), message))

    for key, value in rules.value:
        trigger = key.value if isinstance(key, ScalarNode) else None
        if not isinstance(trigger, str) or not trigger.strip():
            problem(key, "an expansion's trigger must be a word")
            continue
        if trigger in first:
            problem(key, f"expansion '{trigger}' is also at line {first[trigger]}")
        first.setdefault(trigger, _line(key))
        if not isinstance(value, SequenceNode) or not value.value or not all(
                isinstance(t, ScalarNode) for t in value.value):
            problem(value, f"expansion '{trigger}' needs a list of terms")
            continue
        for node in value.value:
            term = str(node.value)
            form = Expansions.form(term, table)
            if not form:
                problem(node, f"expansion of '{trigger}': '{term}' normalises to nothing")
            elif form not in held:
                problem(node, f"expansion of '{trigger}': no entry or article holds "
                              f"'{term}' (normalised '{form}')")
    return problems


def load_folder(
    path: str | Path,
    *,
    near_duplicate_ratio: float = NEAR_DUPLICATE_RATIO,
    synonyms: SynonymTable | None = None,
) -> KnowledgeBase:
    """Load the knowledge folder; raises :class:`KnowledgeError` listing every problem."""
    problems, kb = _analyse(Path(path), near_duplicate_ratio, synonyms)
    if problems or kb is None:
        raise KnowledgeError(problems)
    return kb
