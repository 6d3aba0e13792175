"""What the person sees after typing (or sending a location or photo): the reply of the flow
the arbiter handed it to."""

from __future__ import annotations

from bot.delivery.out import Out
from bot.i18n import raw, t
from bot.render import problem
from bot.services.identity import Actor
from bot.services.inputs import Cancelled, Routed
from bot.views import confirm, consult, evaluation, faq, history, visit
from bot.views.reply import Replier
from scheduler.policy import Policy


def render(routed: Routed, actor: Actor, r: Replier, policy: Policy) -> list[Out]:
    lang = r.lang
    if routed.error is not None:
        return [r.send(problem(routed.error.code, routed.error.values, lang))]
    if routed.expect_text:
        return [r.send(t("pending.expect_text", lang,
                         what=raw(f"pending.what_{routed.flow}", lang, id=routed.value)))]
    if routed.flow == "visit":
        return visit.after(routed.value, r, actor.primary_role, policy)
    if routed.flow == "consult_answer":
        resume = []
        if routed.value.resume_visit is not None:
            resume = [r.send(t("pending.visit_resumes", lang)),
                      *visit.show(routed.value.resume_visit, r, edit=False)]
        return consult.answered(routed.value, r, resume)
    if routed.flow == "consult_follow":
        return consult.followed_up(routed.value, r)
    if routed.flow == "confirm_comment":
        return confirm.after(routed.value, r)
    if routed.flow == "highlight":
        return history.flagged(routed.value, r)
    if routed.flow in ("eval_comment", "eval_reason"):
        return evaluation.after_typed(routed.value, r)
    if routed.flow == "faq":
        return faq.answered(routed.value, actor, r)
    return [r.send(t("unknown.content", lang))]


def cancelled(value: Cancelled, r: Replier) -> list[Out]:
    """/cancel names what it ends."""
    lang = r.lang
    if value.kind is None:
        return [r.send(t("cancel.nothing", lang))]
    if value.kind == "visit" and value.visit is not None:
        text, markup = visit.cancel_question(value.visit.draft_id, lang)
        return [r.send(text, markup)]
    what = raw(f"pending.what_{value.kind}", lang, id=value.ref)
    key = "cancel.reply" if value.kind == "consult_answer" else "cancel.pending"
    return [r.send(t(key, lang, what=what, id=value.ref))]
