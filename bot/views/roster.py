"""Messages the roster lifecycle owes: to supervisors, what is left unserved; to the two
people of a transfer and the served entity's contacts, who serves from when."""

from __future__ import annotations

from collections.abc import Sequence

from bot.delivery.out import Out, message
from bot.i18n import raw, t
from bot.services.lifecycle import Ending, Left, Transferred, UnservedNotice


def unserved_notices(notices: Sequence[UnservedNotice]) -> list[Out]:
    out = []
    for n in notices:
        lang = n.to.language
        lines = [t("lifecycle.unserved_left" if n.left else "lifecycle.unserved_ended", lang,
                   person=n.person, count=len(n.items))]
        for u in n.items:
            place = "".join(x for x in (u.city, u.county if u.county != u.target else "") if x)
            lines.append(t("lifecycle.unserved_line", lang, target=u.target,
                           kind=raw(f"lifecycle.kind_{u.kind}", lang), since=u.since,
                           previous=u.previous, place=f"（{place}）" if place else ""))
        if n.reason:
            lines.append(t("lifecycle.reason", lang, reason=n.reason))
        lines.append(t("lifecycle.unserved_hint", lang))
        out.append(message(n.to.telegram_id, "\n".join(lines), key=n.key, kind="notice"))
    return out


def ended(value: Ending) -> list[Out]:
    return unserved_notices(value.notices)


def left(value: Left) -> list[Out]:
    return unserved_notices(value.ending.notices)


def transferred(value: Transferred) -> list[Out]:
    out = []
    for note in value.notes:
        lang = note.to.language
        values = {"target": value.target, "day": value.day, "old": value.from_name,
                  "new": value.to_name, "followups": value.followups,
                  "consultations": value.consultations,
                  "role": raw("role.commissioner" if value.kind == "entity" else "role.envoy",
                              lang)}
        text = t(f"lifecycle.transfer_{note.who}", lang, **values)
        if value.reason and note.who != "contact":
            text += "\n" + t("lifecycle.reason", lang, reason=value.reason)
        out.append(message(note.to.telegram_id, text, key=note.key, kind="notice"))
    return out
