"""FAQ engine: knowledge files → knowledge base → matcher.

Pure Python (no Telegram, no database) so that any channel can reuse it::

    from bot.faq import Matcher, load_folder

    kb = load_folder("knowledge")          # raises KnowledgeError listing file:line problems
    matcher = Answerer(kb)                 # build once: curated entries, then statute articles
    result = matcher.match("专员一年上门几次", viewer="staff")
    if result.status == "answer":
        entry = result.matches[0].entry    # entry.answer, entry.source, entry.section ...
    elif result.status == "suggest":
        choices = [m.entry for m in result.matches]

Modules: ``model`` (Source, Entry, KnowledgeBase, visible_to), ``loader``
(load_folder, lint_folder), ``normalize`` (normalisation and the synonym table
``synonyms.yaml``), ``segment`` (word-aware n-grams), ``facets`` (roles and
regions that must agree), ``duplicates`` (near-duplicate questions),
``config`` (MatcherConfig), ``matcher`` (Matcher, MatchResult, Match), ``statutes``
(the statutes at article level, citations, quote checks), ``tiers`` (Answerer: curated
entries first, then statute articles), ``render`` (the text of an answer).
"""

from bot.faq.config import MatcherConfig
from bot.faq.loader import KnowledgeError, Problem, lint_folder, load_folder
from bot.faq.matcher import Match, Matcher, MatchResult
from bot.faq.model import Entry, KnowledgeBase, Source, visible_to
from bot.faq.normalize import normalize
from bot.faq.tiers import Answerer

__all__ = [
    "Answerer",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "Match",
    "MatchResult",
    "Matcher",
    "MatcherConfig",
    "Problem",
    "Source",
    "lint_folder",
    "load_folder",
    "normalize",
    "visible_to",
]
