"""The knowledge base in service: loaded on first use, reloaded on demand; a broken folder
never replaces the last good version."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.faq import Answerer, Entry, KnowledgeError, MatchResult, Problem, load_folder


class Knowledge:
    """The answerer currently serving (curated entries, then statute articles). A broken
    folder never replaces a good one."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.matcher: Answerer | None = None
        self.problems: list[Problem] = []
        self._lock = threading.Lock()
        self._tried = False

    def load(self) -> list[Problem]:
        """Load the folder again; on problems keep serving the last good version."""
        with self._lock:
            self._tried = True
            try:
                kb = load_folder(self.folder)
            except KnowledgeError as exc:
                self.problems = list(exc.problems)
                return self.problems
            self.matcher, self.problems = Answerer(kb), []
            return []

    @property
    def size(self) -> int:
        self.ensure_loaded()
        return len(self.matcher.kb) if self.matcher else 0

    def ensure_loaded(self) -> None:
        if not self._tried:
            self.load()

    def match(self, question: str, viewer: str) -> MatchResult:
        self.ensure_loaded()
        if self.matcher is None:
            return MatchResult("none", ())
        return self.matcher.match(question, viewer)

    def entry(self, entry_id: str) -> Entry | None:
        self.ensure_loaded()
        return self.matcher.entry(entry_id) if self.matcher else None
