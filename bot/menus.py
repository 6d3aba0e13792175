"""What each role sees: its command list (setMyCommands) and its reply keyboard, as plain
data. Commands and buttons are catalog keys (``cmd.<name>``, ``kb.<name>``); a keyboard button
does what the command of the same name does."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bot.i18n import raw


@dataclass(frozen=True)
class Menu:
    commands: tuple[str, ...]
    keyboard: tuple[tuple[str, ...], ...]


_COMMON = ("help", "lang", "cancel")

MENUS: dict[str, Menu] = {
    "commissioner": Menu(("visit", "status", "history", "inbox", "ask", *_COMMON),
                         (("visit", "status"), ("history", "inbox"), ("ask", "help"))),
    "envoy": Menu(("visit", "status", "history", "ask", *_COMMON),
                  (("visit", "status"), ("history", "ask"), ("help",))),
    "staff": Menu(("visit", "status", "history", "inbox", "ask", *_COMMON),
                  (("visit", "status"), ("history", "inbox"), ("ask", "help"))),
    "supervisor": Menu(("digest", "archive", "evaluation", "inbox", "ask", *_COMMON),
                       (("digest", "archive"), ("evaluation", "inbox"), ("ask", "help"))),
    "admin": Menu(("digest", "archive", "evaluation", "reload", "ask", *_COMMON),
                  (("digest", "archive"), ("evaluation", "ask"), ("help",))),
    "contact": Menu(("ask", *_COMMON), (("ask", "help"),)),
    "region_contact": Menu(("ask", *_COMMON), (("ask", "help"),)),
    "guest": Menu(("start", "ask", *_COMMON), (("ask", "help"),)),
}

# Commands whose features have landed; the rest stay out of menus until they do.
AVAILABLE: set[str] = {"start", "help", "lang", "cancel", "visit", "history", "status",
                       "digest", "ask", "reload", "inbox", "archive", "evaluation"}


def menu(role: str) -> Menu:
    return MENUS.get(role, MENUS["guest"])


def commands(role: str, lang: str) -> list[tuple[str, str]]:
    """(command, description) pairs for setMyCommands."""
    return [(name, raw(f"cmd.{name}", lang))
            for name in menu(role).commands if name in AVAILABLE]


def keyboard_rows(role: str, lang: str) -> list[list[str]]:
    rows = [[raw(f"kb.{name}", lang) for name in row if name in AVAILABLE]
            for row in menu(role).keyboard]
    return [r for r in rows if r]


@cache
def button_commands() -> dict[str, str]:
    """Every keyboard button text, in every language, mapped to its command name."""
    names = {name for m in MENUS.values() for row in m.keyboard for name in row}
    return {raw(f"kb.{name}", lang): name for name in names for lang in ("zh", "en")}
