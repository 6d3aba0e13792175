"""The digest's texts live in the one message catalog (``bot/messages.yaml``, ``digest.*``).

``rt`` and ``rraw`` are the catalog's ``t`` and ``raw`` under the names this package uses.
"""

from __future__ import annotations

from bot.i18n import raw as rraw
from bot.i18n import t as rt

__all__ = ["rraw", "rt"]
