"""The visit conversation on Telegram: /visit, its buttons, and the served side's
confirmation buttons. What the person types or sends into a draft reaches it through the one
arbiter (``bot.handlers.inputs``).

State lives in the database (a draft), not in memory: every step is stored together with its
reply before anything is sent, so a restart continues where the person was.
"""

from __future__ import annotations

from telegram import Update

from bot import failpoints
from bot.context import BotContext
from bot.domain import visits as rules
from bot.domain.visits import Step
from bot.domain.vocab import Role
from bot.handlers.common import replier, require, run, stale, toast
from bot.render import problem
from bot.services import visit_records, visits
from bot.services.errors import ServiceError
from bot.views import callbacks as cb
from bot.views import confirm as confirm_views
from bot.views import visit as views

STAFF = (Role.COMMISSIONER, Role.ENVOY)


def update_key(update: Update) -> str:
    """A stable id of the user's action, the same when Telegram delivers it again."""
    if update.callback_query is not None:
        return f"cb:{update.callback_query.id}"
    message = update.effective_message
    assert message is not None
    return f"msg:{message.chat_id}:{message.message_id}"


@require(*STAFF)
async def visit_command(update: Update, context: BotContext) -> None:
    """/visit and the 记录走访 button: continue an open draft, or start one."""
    await open_visit(update, context, assignment_id=None)


async def open_visit(update: Update, context: BotContext, assignment_id: int | None) -> None:
    """Start logging a visit (for ``assignment_id`` when given: 记录走访 on /status or a
    reminder), or offer to continue the open draft."""
    actor, r = context.actor, replier(update, context)
    chat = update.effective_chat
    assert chat is not None
    done = await run(visits.open_visit, context.services, actor.person_id or 0,
                     actor.telegram_id, chat.id, assignment_id,
                     reply=lambda v: views.opened(v, r, actor.primary_role))
    context.deliver(done.sent)


async def visit_press(update: Update, context: BotContext) -> None:
    """Any ``v:`` button of the conversation."""
    query = update.callback_query
    assert query is not None
    actor = context.actor
    press = cb.decode(query.data)
    if press is None or not actor.has(*STAFF):
        stale(update, context)
        return
    svc, r, role = context.services, replier(update, context), actor.primary_role
    person, tid, key = actor.person_id or 0, actor.telegram_id, update_key(update)

    def after(outcome: visits.Outcome) -> list:  # type: ignore[type-arg]
        return views.after(outcome, r, role, svc.policy)

    if press.action == "start":
        chat = update.effective_chat
        assert chat is not None
        done = await run(visits.begin, svc, person, tid, chat.id, fresh=press.extra == "fresh",
                         reply=lambda v: views.opened(v, r, role, edit=True))
        toast(update, context)
        context.deliver(done.sent)
        return
    if press.action == Step.REVIEW and press.extra == "submit":
        done = await run(visits.submit, svc, person, tid, press.ref, key, reply=after)
        failpoints.hit("submit.after_commit")
    elif press.action == "cancel" and press.extra == "yes":
        done = await run(visits.cancel, svc, person, tid, press.ref, key, reply=after)
    elif press.action == "cancel":  # "no, keep going": back to the step it was at
        done = await run(visits.show, svc, person, tid, press.ref, reply=after)
    else:
        done = await run(visits.step, svc, person, tid, press.ref,
                         rules.Press(press.action, press.extra or ""), key, reply=after)
    outcome = done.value
    if outcome.refusal is not None:
        toast(update, context, problem(outcome.refusal.code, outcome.refusal.values,
                                       actor.language, html=False),
              alert=outcome.refusal.code != "visit.stale_button")
    else:
        toast(update, context)
    context.deliver(done.sent)


# ── the served side's answer ──────────────────────────────────────────


async def confirmation_press(update: Update, context: BotContext) -> None:
    """``vc:<action>:<confirmation>[:<rating>]`` from the request a contact received."""
    query = update.callback_query
    assert query is not None
    actor = context.actor
    press = cb.decode(query.data)
    if press is None or actor.contact_id is None:
        stale(update, context)
        return
    r = replier(update, context)
    try:
        done = await run(visit_records.answer_confirmation, context.services, actor.contact_id,
                         actor.telegram_id, press.ref, press.action, press.extra,
                         update_key(update), reply=lambda s: confirm_views.after(s, r))
    except ServiceError as exc:
        toast(update, context, problem(exc.code, exc.values, actor.language, html=False),
              alert=True)
        return
    toast(update, context)
    context.deliver(done.sent)


async def pause_idle_drafts(runtime: object) -> None:
    """Chore: pause drafts idle past the policy's limit and tell their owners (kept)."""
    from datetime import timedelta

    from bot.runtime import Runtime

    assert isinstance(runtime, Runtime)
    svc = runtime.services
    idle = timedelta(minutes=svc.policy.visit.draft_idle_timeout_minutes)
    done = await run(visits.pause_idle, svc, idle, views.paused_notice)
    runtime.deliver(done.sent)

