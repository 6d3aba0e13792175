"""Problems found in the knowledge folder, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One problem at a place in a knowledge file; renders as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge folder cannot be loaded; ``problems`` says why and where."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        plural = "s" if count != 1 else ""
        super().__init__(f"{count} problem{plural} in the knowledge folder:\n{lines}")
