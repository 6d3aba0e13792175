"""National IP statutes: loading them at article level, citing them, checking quotes.

The statutes live in ``knowledge/statutes/`` as published: one Markdown file per
statute (title, adoption and amendment history, ``## 第一章 …`` chapters,
``### 第一节 …`` sections, articles starting ``第一条 …`` with further paragraphs on
their own lines), listed in ``statutes.yaml`` with the short name and version
label used in citations::

    《专利法》（2020年修正）第四十二条

Answers quote articles between 「 and 」; :func:`check_answer` verifies that each
quote is a verbatim part of an article the same answer cites, and that every
cited article exists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

from bot.faq.model import Source
from bot.faq.problems import Problem

STATUTES_DIR: Final = "statutes"
INDEX_FILE: Final = "statutes.yaml"
QUESTIONS_FILE: Final = "questions.yaml"
"""Optional: the question each article answers, in plain words (the statute tier matches
questions against them as against a curated entry's alternates)."""
QUESTIONS_GLOB: Final = "questions-*.yaml"
"""Optional too: more plain questions, one file per author or statute, added to the first."""

_DIGITS: Final = "零一二三四五六七八九"
_NUMERAL: Final = f"[{_DIGITS}十百]+"
_ARTICLE_LINE: Final = re.compile(f"^第({_NUMERAL})条[ 　]+(.*)$")
#: 《专利法》（2020年修正）第四十二条 — the version is optional in the pattern so that
#: a citation without it can be reported.
CITATION: Final = re.compile(f"《([^《》]+)》(?:（([^（）]+)）)?第({_NUMERAL})条")
QUOTE: Final = re.compile(r"「([^「」]+)」")


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 42 → 四十二, 101 → 一百零一, 110 → 一百一十 (1–999)."""
    if not 0 < n < 1000:
        raise ValueError(f"article number out of range: {n}")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


_NUMBERS: Final[Mapping[str, int]] = {chinese_number(n): n for n in range(1, 1000)}


def parse_chinese_number(text: str) -> int | None:
    """四十二 → 42; ``None`` when ``text`` is not a number written as :func:`chinese_number`."""
    return _NUMBERS.get(text)


def article_label(number: int) -> str:
    """42 → 第四十二条."""
    return f"第{chinese_number(number)}条"


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its number, where it stands, and its paragraphs (without the label)."""

    number: int
    paragraphs: tuple[str, ...]
    chapter: str | None = None
    section: str | None = None
    questions: tuple[str, ...] = ()
    """Plain-language questions the article answers (``questions.yaml``)."""

    @property
    def label(self) -> str:
        return article_label(self.number)

    @property
    def text(self) -> str:
        """The article's paragraphs, one per line, exactly as published."""
        return "\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Statute:
    """A statute and its articles."""

    id: str
    title: str
    short: str
    version: str
    issuer: str
    date: dt.date | None
    file: str
    articles: tuple[Article, ...]
    _by_number: Mapping[int, Article] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_number", {a.number: a for a in self.articles})

    def article(self, number: int) -> Article | None:
        return self._by_number.get(number)

    def citation(self, number: int) -> str:
        """《专利法》（2020年修正）第四十二条."""
        return f"《{self.short}》（{self.version}）{article_label(number)}"

    @property
    def source(self) -> Source:
        """The statute as the source of entries (its region is the whole country)."""
        return Source(
            id=self.id, title=self.title, issuer=self.issuer, number=None, date=self.date,
            region=None, file=self.file, short=self.short, version=self.version,
        )


def parse_statute(text: str) -> tuple[str, list[Article], list[tuple[int, str]]]:
    """Title, articles and ``(line, problem)`` pairs of one statute file."""
    title = ""
    articles: list[Article] = []
    problems: list[tuple[int, str]] = []
    chapter: str | None = None
    section: str | None = None
    current: list[str] | None = None
    number = 0
    meta: tuple[str | None, str | None] = (None, None)

    def close() -> None:
        if current is not None:
            articles.append(Article(number, tuple(current), *meta))

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        if line.startswith("## "):
            close()
            current, chapter, section = None, line[3:].strip(), None
            continue
        if line.startswith("### "):
            close()
            current, section = None, line[4:].strip()
            continue
        found = _ARTICLE_LINE.match(line)
        if found:
            close()
            parsed = parse_chinese_number(found.group(1))
            if parsed is None:
                problems.append((line_no, f"cannot read the article number '{found.group(1)}'"))
                current = None
                continue
            if parsed != number + 1:
                problems.append((line_no, f"article {parsed} follows article {number}"))
            number, current, meta = parsed, [found.group(2)], (chapter, section)
            continue
        if current is not None:
            current.append(line)
        # lines before the first article are the adoption and amendment history
    close()
    if not title:
        problems.append((1, "statute file has no '# title' line"))
    if not articles:
        problems.append((1, "statute file has no articles"))
    return title, articles, problems


@dataclass(frozen=True)
class StatuteBook:
    """All statutes, with lookup by id and by the names used in citations."""

    statutes: tuple[Statute, ...] = ()

    def by_name(self, name: str) -> Statute | None:
        """The statute cited as 《name》: its short name or its full title."""
        for s in self.statutes:
            if name in (s.short, s.title):
                return s
        return None

    def get(self, statute_id: str) -> Statute | None:
        return next((s for s in self.statutes if s.id == statute_id), None)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.statutes)

    def __len__(self) -> int:
        return len(self.statutes)

    @property
    def article_count(self) -> int:
        return sum(len(s.articles) for s in self.statutes)

    def cited_articles(self, text: str) -> tuple[list[tuple[Statute, Article]], list[str]]:
        """Articles cited in ``text`` (《专利法》（2020年修正）第四十二条) and citation problems.

        Only citations of a statute of this book are read; other 《…》 are documents.
        """
        found: list[tuple[Statute, Article]] = []
        problems: list[str] = []
        for m in CITATION.finditer(text):
            name, version, numeral = m.group(1), m.group(2), m.group(3)
            statute = self.by_name(name)
            if statute is None:
                continue
            cited = m.group(0)
            if version is None:
                problems.append(f"citation {cited} lacks the version: write "
                                f"《{statute.short}》（{statute.version}）第{numeral}条")
                continue
            if version != statute.version:
                problems.append(f"citation {cited}: the version in force is "
                                f"（{statute.version}）")
                continue
            number = parse_chinese_number(numeral)
            article = statute.article(number) if number else None
            if article is None:
                problems.append(f"citation {cited}: {statute.short} has no such article "
                                f"(it has {len(statute.articles)})")
                continue
            found.append((statute, article))
        return found, problems

    def check_answer(self, text: str, extra: Iterable[tuple[Statute, Article]] = ()) -> list[str]:
        """Problems of an answer's citations and quotes.

        Every citation must name an existing article of the version in force; every
        「quote」 must be a verbatim part of an article cited in the same text (or of
        ``extra``, e.g. the article an entry's ``section`` names).
        """
        cited, problems = self.cited_articles(text)
        cited = [*cited, *extra]
        for m in QUOTE.finditer(text):
            quote = m.group(1)
            if not cited:
                problems.append(f"quote 「{_short(quote)}」 cites no statute article")
            elif not any(quote in article.text for _, article in cited):
                where = "、".join(s.citation(a.number) for s, a in cited)
                problems.append(f"quote 「{_short(quote)}」 is not verbatim in {where}")
        return problems


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def load_statutes(folder: str | Path) -> tuple[StatuteBook, list[Problem]]:
    """The statutes listed in ``folder/statutes/statutes.yaml`` (an empty book if there is
    no such folder), and every problem found."""
    base = Path(folder) / STATUTES_DIR
    index = base / INDEX_FILE
    if not index.exists():
        return StatuteBook(), []
    display = str(index)
    problems: list[Problem] = []
    try:
        data = yaml.safe_load(index.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return StatuteBook(), [Problem(display, 1, f"cannot read the statute index: {exc}")]
    items = data.get("statutes") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        return StatuteBook(), [Problem(display, 1, "the statute index needs a 'statutes' list")]
    statutes: list[Statute] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            problems.append(Problem(display, 1, "every statute must be a mapping"))
            continue
        missing = [k for k in ("id", "file", "short", "version", "issuer") if not item.get(k)]
        if missing:
            problems.append(Problem(display, 1, f"statute {item.get('id', '?')}: missing "
                                                f"{', '.join(missing)}"))
            continue
        sid = str(item["id"])
        if sid in seen:
            problems.append(Problem(display, 1, f"statute id '{sid}' is given twice"))
            continue
        seen.add(sid)
        path = base / str(item["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(display, 1, f"statute {sid}: cannot read {path.name}: {exc}"))
            continue
        title, articles, found = parse_statute(text)
        problems.extend(Problem(str(path), line, msg) for line, msg in found)
        date = item.get("date")
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                problems.append(Problem(display, 1, f"statute {sid}: date must be YYYY-MM-DD"))
                date = None
        statutes.append(Statute(
            id=sid, title=title, short=str(item["short"]), version=str(item["version"]),
            issuer=str(item["issuer"]), date=date if isinstance(date, dt.date) else None,
            file=str(path), articles=tuple(articles)))
    book = StatuteBook(tuple(statutes))
    for questions in question_files(base):
        book, found = _with_questions(book, questions)
        problems.extend(found)
    return book, problems


def question_files(base: Path) -> list[Path]:
    """``questions.yaml`` and then every ``questions-*.yaml`` beside it, by name: the plain
    questions of an article add up across the files."""
    first = base / QUESTIONS_FILE
    return [*([first] if first.exists() else []), *sorted(base.glob(QUESTIONS_GLOB))]


def _with_questions(book: StatuteBook, path: Path) -> tuple[StatuteBook, list[Problem]]:
    """``book`` with the questions of ``path`` attached to their articles."""
    display = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return book, [Problem(display, 1, f"cannot read the article questions: {exc}")]
    if not isinstance(data, Mapping):
        return book, [Problem(display, 1, "expected statute id: {article number: question}")]
    problems: list[Problem] = []
    by_statute: dict[str, dict[int, tuple[str, ...]]] = {}
    for sid, articles in data.items():
        statute = book.get(str(sid))
        if statute is None:
            problems.append(Problem(display, 1, f"unknown statute '{sid}'"))
            continue
        if not isinstance(articles, Mapping):
            problems.append(Problem(display, 1, f"{sid}: expected article number: question"))
            continue
        for number, value in articles.items():
            items = value if isinstance(value, list) else [value]
            texts = tuple(str(q).strip() for q in items if str(q).strip())
            if not isinstance(number, int) or statute.article(number) is None:
                problems.append(Problem(display, 1, f"{sid}: {statute.short} has no article "
                                                    f"{number!r}"))
            elif not texts:
                problems.append(Problem(display, 1, f"{sid}: article {number} has no question"))
            else:
                by_statute.setdefault(statute.id, {})[number] = texts
    statutes = []
    for statute in book:
        asked = by_statute.get(statute.id, {})
        articles = tuple(dataclasses.replace(a, questions=a.questions + asked.get(a.number, ()))
                         for a in statute.articles)
        statutes.append(dataclasses.replace(statute, articles=articles))
    return StatuteBook(tuple(statutes)), problems
