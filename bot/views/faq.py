"""Policy answers on screen: an answer with its source, suggestions, feedback buttons, and
the honest "not covered" with the hand-over offer when the knowledge base has nothing."""

from __future__ import annotations

from bot.delivery.out import Out
from bot.faq import Entry
from bot.faq.render import answer_text, offers_hand_over
from bot.i18n import raw, t
from bot.reports.text import clip
from bot.services.faq import Asked, Feedback
from bot.services.identity import Actor, ActorKind
from bot.views import callbacks as cb
from bot.views.markup import Markup, button, inline
from bot.views.reply import Replier


def render_entry(entry: Entry, lang: str) -> str:
    """The answer's text (curated, statute article, or routing): ``bot.faq.render``."""
    return answer_text(entry, lang)


SUGGESTION_OPENING = 24  # characters of an article's text on its suggestion button


def suggestion_label(entry: Entry, lang: str) -> str:
    """What a suggestion's button says: the entry's question; for a statute article, its
    name and the opening words of its text, exactly, cut with "…" ("专利法第七十一条：侵犯
    专利权的赔偿数额按照权利人因被侵权所受…"), so that a number says what it is about."""
    if lang == "en" and entry.question_en:
        return entry.question_en
    if entry.kind != "statute":
        return entry.question
    return f"{entry.question}：{clip(entry.answer, SUGGESTION_OPENING + 1)}"


def feedback_buttons(question_id: int, lang: str) -> Markup | None:
    return inline([[button(raw("faq.btn_up", lang), cb.encode(cb.FAQ, "u", question_id)),
                    button(raw("faq.btn_down", lang), cb.encode(cb.FAQ, "d", question_id))]])


def hand_over_button(question_id: int, lang: str) -> Markup | None:
    return inline([[button(raw("consult.btn_hand_over", lang),
                           cb.encode(cb.CONSULT, "new", question_id))]])


def answered(asked: Asked, actor: Actor, r: Replier) -> list[Out]:
    lang, result = r.lang, asked.result
    if result.status == "answer":
        entry = result.matches[0].entry
        outs = [r.send(render_entry(entry, lang), feedback_buttons(asked.question_id, lang))]
        if offers_hand_over(entry):  # "not covered here": a person is offered at once
            outs += offer_person(actor, asked.question_id, asked.hand_overs_left, r)
        return outs
    if result.status == "suggest":
        rows = [[button(suggestion_label(m.entry, lang),
                        cb.encode(cb.FAQ, "s", asked.question_id, m.entry.id))]
                for m in result.matches]
        rows.append([button(raw("faq.btn_neither", lang),
                            cb.encode(cb.FAQ, "n", asked.question_id))])
        return [r.send(t("faq.suggest", lang), inline(rows))]
    return [r.send(t("faq.none", lang)), *offer_person(actor, asked.question_id,
                                                       asked.hand_overs_left, r)]


def offer_person(actor: Actor, question_id: int, left: int | None, r: Replier) -> list[Out]:
    """When the knowledge base fails: an entity contact may ask their commissioner (while the
    day's hand-overs last); anyone else is told how to get one."""
    lang = r.lang
    if actor.contact_kind == "region":  # consultations are an entity's; a region has envoys
        return []
    if actor.kind is ActorKind.CONTACT:
        if left is not None and left <= 0:
            return [r.send(t("consult.limit_reached", lang))]
        return [r.send(t("consult.offer", lang), hand_over_button(question_id, lang))]
    if actor.kind is ActorKind.GUEST:
        return [r.send(t("consult.guest_hint", lang))]
    return []


def after_feedback(fb: Feedback, actor: Actor, r: Replier) -> list[Out]:
    lang = r.lang
    if fb.action == "s" and fb.entry is not None:
        outs = [r.send(render_entry(fb.entry, lang), feedback_buttons(fb.question_id, lang))]
        if offers_hand_over(fb.entry):
            outs += offer_person(actor, fb.question_id, fb.hand_overs_left, r)
        return outs
    if fb.action == "n":
        return [*r.drop_buttons(), r.send(t("faq.neither", lang)),
                *offer_person(actor, fb.question_id, fb.hand_overs_left, r)]
    outs = r.drop_buttons()
    if fb.action == "d":
        outs += offer_person(actor, fb.question_id, fb.hand_overs_left, r)
    return outs
