"""Notices to provincial supervisors (a cycle ending, evaluations due)."""

from __future__ import annotations

from bot.delivery.out import Out, message
from bot.i18n import raw, t
from bot.services.digest import Supervisor
from bot.services.notices import Notice


def notice(n: Notice, sup: Supervisor) -> Out:
    lang = sup.language
    values = dict(n.values)
    if "role" in values:
        values["role"] = raw(f"role.{values['role']}", lang)
    assert sup.telegram_id is not None
    return message(sup.telegram_id, t(n.message, lang, **values), kind="notice", bulk=True,
                   key=f"notice:{n.keys[0]}:{sup.person_id}")
