"""The text of an answer, for any channel: a curated entry, a statute article, a routing entry.

Pure (no Telegram): the chat handler, inline mode and ``ipbot faq ask`` call
:func:`answer_text`; texts come from ``bot/messages.yaml`` (HTML, values escaped).

* a curated entry: its question, its answer, and its source — for an entry drawn
  from a statute, the citation 《专利法》（2020年修正）第四十二条;
* a statute article (the second tier): the article's exact text and its citation;
* a routing entry ("not covered here"): its question and answer; the channel then
  offers to pass the question to the asker's commissioner (:func:`offers_hand_over`).

In English an entry without ``answer_en`` (and every statute article) is given in
Chinese, after a line saying so.
"""

from __future__ import annotations

from bot.faq.model import Entry, Source
from bot.i18n import raw, t


def citation(source: Source, section: str | None) -> str:
    """《专利法》（2020年修正）第四十二条 for a statute source; "" for other sources."""
    if not source.is_statute:
        return ""
    return f"《{source.short}》（{source.version}）{section or ''}"


def offers_hand_over(entry: Entry) -> bool:
    """Whether the answer is a routing answer, after which a person is offered at once."""
    return entry.kind == "route"


def answer_text(entry: Entry, lang: str) -> str:
    """The message answering with ``entry`` in ``lang`` ("zh" or "en")."""
    english = lang == "en" and entry.answer_en is not None and entry.kind != "statute"
    question = entry.question_en if english and entry.question_en else entry.question
    answer = entry.answer_en if english and entry.answer_en else entry.answer
    src = entry.source
    if entry.kind == "statute":
        text = t("faq.statute_answer", lang, citation=citation(src, entry.section),
                 article=entry.answer)
    elif entry.kind == "route":
        text = t("faq.route_answer", lang, question=question, answer=answer)
    elif src.is_statute:
        text = t("faq.law_answer", lang, question=question, answer=answer,
                 citation=citation(src, entry.section))
    else:
        if src.number is None and src.id == "bot-usage":
            source = raw("faq.source_bot", lang)
        else:
            source = raw("faq.source", lang, title=src.title, number=src.number or "",
                         section=f" {entry.section}" if entry.section else "")
        text = t("faq.answer", lang, question=question, answer=answer, source=source)
    if lang == "en" and not english:
        text = raw("faq.zh_only", lang) + text
    return text
