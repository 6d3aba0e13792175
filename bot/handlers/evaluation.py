"""/evaluation (评价) for supervisors of the whole province: who is due, a person's card and
evaluation pack, a grade recorded with a button (a change asks for its reason), and the
feedback letters of a period. Packs and letters are read-only replies: sent, not stored."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.delivery.out import document
from bot.domain.vocab import Role
from bot.handlers.common import button, deliver, replier, require, run, say
from bot.i18n import t
from bot.render import problem
from bot.reports.evaluation import file_stem, pack_pdf, pack_workbook
from bot.reports.letters import letters_pdf
from bot.services import evaluations
from bot.services.errors import ServiceError
from bot.views import callbacks as cb
from bot.views import evaluation as views

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


@require(*SUPERVISORS, denied="denied.supervisor_only")
async def evaluation_command(update: Update, context: BotContext) -> None:
    """/evaluation: who is due; /evaluation NAME: that person's card (the default period)."""
    actor, svc, lang = context.actor, context.services, context.actor.language
    me, name = actor.person_id or 0, " ".join(context.args or []).strip()
    try:
        if name:
            sub = await run(evaluations.subject, svc, name)
            c = await run(evaluations.card, svc, me, sub)
            text, markup = views.card(c.subject, c.figures, c.result, svc.policy.grades, lang)
        else:
            o = await run(evaluations.overview, svc, me)
            text, markup = views.due_list(o.due, 0, o.recorded, o.letter_periods, lang)
    except ServiceError as exc:
        say(update, context, problem(exc.code, exc.values, lang))
        return
    say(update, context, text, markup)


@require(*SUPERVISORS, denied="denied.supervisor_only")
@button
async def evaluation_press(update: Update, context: BotContext, press: cb.Press) -> bool:
    actor, svc, lang = context.actor, context.services, context.actor.language
    me, r = actor.person_id or 0, replier(update, context)
    chat = update.effective_chat
    assert chat is not None
    grades = svc.policy.grades
    if press.action == "list":
        o = await run(evaluations.overview, svc, me)
        deliver(context, [r.edit(*views.due_list(o.due, press.ref, o.recorded,
                                                 o.letter_periods, lang))])
    elif press.action == "letters" and press.extra:
        found = await run(evaluations.letters_for, svc, me, press.extra)
        data = await run(letters_pdf, found, lang)
        deliver(context, [document(
            chat.id, f"feedback-letters-{press.extra}.pdf", data,
            t("eval.letters_caption", lang, period=press.extra, units=len(found)))])
    elif press.action in ("open", "pack", "comment") or (
            press.action[:1] == "g" and press.action[1:].isdigit()):
        sub = await run(evaluations.subject, svc, press.ref, press.extra)
        if press.action == "open":
            c = await run(evaluations.card, svc, me, sub)
            deliver(context, [r.edit(*views.card(c.subject, c.figures, c.result, grades,
                                                 lang))])
        elif press.action == "pack":
            inp = await run(evaluations.pack_for, svc, me, sub)
            xlsx = await run(pack_workbook, inp, lang)
            pdf = await run(pack_pdf, inp, lang)
            caption = t("eval.pack_caption", lang, name=sub.name, period=sub.period.code)
            deliver(context, [document(chat.id, f"{file_stem(inp)}.pdf", pdf, caption),
                              document(chat.id, f"{file_stem(inp)}.xlsx", xlsx)])
        elif press.action == "comment":
            done = await run(evaluations.ask_comment, svc, sub, me, actor.telegram_id,
                             reply=lambda v: views.ask_comment(v, r))
            context.deliver(done.sent)
        else:
            index = int(press.action[1:])
            if index >= len(grades):
                raise ServiceError("visit.stale_button")
            done = await run(evaluations.press_grade, svc, sub, grades[index].key, me,
                             actor.telegram_id,
                             reply=lambda v: views.after_grade(v, grades, r))
            context.deliver(done.sent)
            if done.value.outcome == "recorded":
                c = await run(evaluations.card, svc, me, sub)
                deliver(context, [r.edit(*views.card(c.subject, c.figures, c.result,
                                                     grades, lang))])
    else:
        return False
    return True
