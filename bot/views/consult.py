"""Consultations on screen: the hand-over, the notices to commissioners, claiming, the
relayed answer and follow-up, rating, the inbox."""

from __future__ import annotations

from bot.delivery.out import Out, message
from bot.i18n import raw, t
from bot.services.consultations import (
    Answered,
    Created,
    FollowedUp,
    Late,
    Recipient,
    Taken,
    View,
)
from bot.views import callbacks as cb
from bot.views.markup import Markup, button, inline
from bot.views.reply import Replier


def _b(text: str, action: str, cid: int, extra: str | int | None = None) -> dict[str, str]:
    return button(text, cb.encode(cb.CONSULT, action, cid, extra))


def claim_buttons(cid: int, lang: str, origin: str | None = None) -> Markup | None:
    return inline([[_b(raw("consult.btn_claim", lang), "claim", cid, origin),
                    _b(raw("consult.btn_reply", lang), "reply", cid, origin)]])


def new_notice(view: View, to: Recipient) -> Out:
    return message(to.telegram_id, t("consult.new", to.language, id=view.id, entity=view.entity,
                                     asker=view.asker_name, question=view.question),
                   claim_buttons(view.id, to.language), kind="consult",
                   key=f"cs:{view.id}:new:{to.person_id}")


def created(value: Created, r: Replier) -> list[Out]:
    lang, view = r.lang, value.view
    if view.escalated:
        why = raw("consult.why_unbound" if value.commissioner_names else "consult.why_none", lang)
        to = (raw("consult.to_supervisors", lang,
                  names=raw("sep.list", lang).join(x.name for x in value.recipients))
              if value.recipients else raw("consult.to_nobody", lang))
        text = t("consult.created_escalated", lang, why=why, to=to, id=view.id)
    else:
        names = raw("sep.list", lang).join(x.name for x in value.recipients)
        text = t("consult.created", lang, id=view.id, names=names)
    return [r.edit(text), *(new_notice(view, x) for x in value.recipients)]


def taken(value: Taken, r: Replier, from_inbox: bool) -> list[Out]:
    """After 认领/回复: the prompt to answer, and the other commissioners told who took it."""
    if not value.won:
        return []
    lang, view = r.lang, value.view
    key = "consult.claimed_you" if value.action == "claim" else "consult.reply_prompt"
    text = t(key, lang, id=view.id, question=view.last_message)
    outs = [r.send(text) if from_inbox else r.edit(text)]
    outs += [message(o.telegram_id, t("consult.claimed_other", o.language, id=view.id,
                                      owner=view.owner), kind="consult",
                     key=f"cs:{view.id}:claimed:{o.person_id}") for o in value.others]
    return outs


def answered(value: Answered, r: Replier, resume: list[Out]) -> list[Out]:
    """The answer relayed to the asker; the owner told; a paused visit continues."""
    view, lang = value.view, r.lang
    asker_lang = view.asker_language
    relay = message(view.asker_telegram_id,
                    t("consult.answer_to_asker", asker_lang, owner=view.owner, id=view.id,
                      text=value.text),
                    inline([[_b(raw("consult.btn_solved", asker_lang), "solved", view.id),
                             _b(raw("consult.btn_more", asker_lang), "more", view.id)]]),
                    kind="consult", key=f"cs:{view.id}:answer:{value.message_id}")
    ack = r.send(t("consult.answer_sent", lang, id=view.id),
                 inline([[_b(raw("consult.btn_propose", lang), "kb", view.id)]]))
    return [relay, ack, *resume]


def followed_up(value: FollowedUp, r: Replier) -> list[Out]:
    view = value.view
    outs = []
    if value.owner is not None:
        o = value.owner
        outs.append(message(o.telegram_id, t("consult.follow_up_to_owner", o.language,
                                             id=view.id, entity=view.entity, text=value.text),
                            inline([[_b(raw("consult.btn_reply", o.language), "reply",
                                        view.id)]]),
                            kind="consult", key=f"cs:{view.id}:follow:{value.message_id}"))
    outs.append(r.send(t("consult.follow_up_sent", r.lang)))
    return outs


def ask_rating(cid: int, r: Replier) -> list[Out]:
    rows = [[_b(str(n), "rate", cid, n) for n in range(1, 6)]]
    return [*r.drop_buttons(), r.send(t("consult.ask_rating", r.lang), inline(rows))]


def inbox(views: list[View], person_name: str, lang: str) -> tuple[str, Markup | None]:
    if not views:
        return t("consult.inbox_empty", lang), None
    lines = [t("consult.inbox_title", lang)]
    rows = []
    for v in views[:20]:
        status = raw(f"consult_status.{v.status}", lang, owner=v.owner or "")
        lines.append(t("consult.inbox_line", lang, id=v.id, entity=v.entity, status=status,
                       question=v.question[:80]))
        if v.status == "open":
            rows.append([_b(f"#{v.id} " + raw("consult.btn_claim", lang), "claim", v.id, "i"),
                         _b(f"#{v.id} " + raw("consult.btn_reply", lang), "reply", v.id, "i")])
        elif v.owner == person_name:
            rows.append([_b(f"#{v.id} " + raw("consult.btn_reply", lang), "reply", v.id, "i")])
    return "\n".join(lines), inline(rows)


def remind_claim(item: Late, to: Recipient, days: int) -> Out:
    return message(to.telegram_id, t("consult.remind_claim", to.language, id=item.view.id,
                                      entity=item.view.entity, days=days,
                                      question=item.view.question),
                   claim_buttons(item.view.id, to.language), kind="consult", bulk=True,
                   key=f"cs:{item.view.id}:remind:{to.person_id}")
