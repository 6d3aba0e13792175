"""The one codec for inline-button data: ``<prefix>:<action>:<ref>[:<extra>]``.

``ref`` is a record id (a draft, a visit, a consultation …; 0 when there is none) and
``extra`` an optional value. ``app.py`` routes presses by prefix with :func:`pattern`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# prefix → what the buttons belong to
VISIT = "v"          # a visit draft's steps: v:<step>:<draft>:<value>
CONFIRM = "vc"       # the served side's confirmation: vc:<action>:<confirmation>[:<n>]
HISTORY = "h"        # /history: h:<action>:<visit or page>
STATUS = "st"        # /status and reminders: st:<action>:<assignment>
FOLLOWUP = "fu"      # follow-up items: fu:<action>:<item>
CONSULT = "cs"       # consultations: cs:<action>:<consultation>[:<n>]
FAQ = "fq"           # answers: fq:<action>:<question>[:<entry>]
LANG = "lang"        # /lang: lang:set:0:<code>
PENDING = "pi"       # which flow continues: pi:<action>:<ref>
DIGEST = "dg"        # the digest's buttons: dg:<action>:0
ARCHIVE = "ar"       # /archive: ar:<kind or page action>:<id or page>[:<kind>]
EVALUATION = "ev"    # /evaluation: ev:<action>:<person or page>[:<period code>]
PREFIXES = (VISIT, CONFIRM, HISTORY, STATUS, FOLLOWUP, CONSULT, FAQ, LANG, PENDING, DIGEST,
            ARCHIVE, EVALUATION)

_PART = re.compile(r"^[A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class Press:
    prefix: str
    action: str
    ref: int
    extra: str | None = None

    @property
    def number(self) -> int | None:
        """``extra`` as a number (a rating, a page), or None."""
        return int(self.extra) if self.extra is not None and self.extra.isdigit() else None


def encode(prefix: str, action: str, ref: int = 0, extra: str | int | None = None) -> str:
    parts = [prefix, action, str(int(ref))]
    if extra is not None:
        parts.append(str(extra))
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part {part!r} has characters the codec does not allow")
    data = ":".join(parts)
    if len(data.encode()) > 64:
        raise ValueError(f"callback data over 64 bytes: {data!r}")
    return data


def decode(data: str | None) -> Press | None:
    """The press, or None for data this bot never made (stale, malformed or forged)."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[0] not in PREFIXES:
        return None
    if not parts[2].isdigit() or not all(_PART.match(p) for p in parts):
        return None
    return Press(parts[0], parts[1], int(parts[2]), parts[3] if len(parts) == 4 else None)


def pattern(prefix: str) -> str:
    """The ``CallbackQueryHandler`` pattern for one prefix."""
    return rf"^{re.escape(prefix)}:"
