"""Policy questions: /ask, suggestion and feedback buttons, inline mode; /reload for
administrators. Plain text reaches the knowledge base through the arbiter."""

from __future__ import annotations

from uuid import uuid4

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import ParseMode

from bot.context import BotContext
from bot.domain.vocab import Role
from bot.handlers.common import replier, require, run, say, stale, toast
from bot.i18n import raw, t
from bot.render import problem
from bot.services import faq
from bot.services.errors import ServiceError
from bot.views import callbacks as cb
from bot.views import faq as views


async def ask_command(update: Update, context: BotContext) -> None:
    actor = context.actor
    question = " ".join(context.args or []).strip()
    if not question:
        say(update, context, t("faq.prompt", actor.language))
        return
    r = replier(update, context)
    done = await run(faq.ask, context.services, actor, question,
                     reply=lambda asked: views.answered(asked, actor, r))
    context.deliver(done.sent)


async def ask_button(update: Update, context: BotContext) -> None:
    say(update, context, t("faq.prompt", context.actor.language))


async def faq_press(update: Update, context: BotContext) -> None:
    actor = context.actor
    press = cb.decode(update.callback_query.data if update.callback_query else None)
    if press is None or press.action not in ("s", "n", "u", "d"):
        stale(update, context)
        return
    r = replier(update, context)
    try:
        done = await run(faq.feedback, context.services, actor, press.ref, press.action,
                         press.extra, reply=lambda fb: views.after_feedback(fb, actor, r))
    except ServiceError as exc:
        toast(update, context, problem(exc.code, exc.values, actor.language, html=False))
        return
    thanks = {"u": "faq.thanks_up", "d": "faq.thanks_down"}.get(press.action)
    toast(update, context, raw(thanks, actor.language) if thanks else None)
    context.deliver(done.sent)


async def inline_query(update: Update, context: BotContext) -> None:
    """``@bot question`` in any chat: the top answers, public entries only (the chat may be
    anyone's)."""
    query = update.inline_query
    assert query is not None
    lang = "en" if (query.from_user.language_code or "").startswith("en") else "zh"
    text = query.query.strip()
    if not text:
        await query.answer([], cache_time=5)
        return
    result = await run(context.services.knowledge.match, text, "public")
    results = [InlineQueryResultArticle(
        id=uuid4().hex, title=m.entry.question, description=m.entry.answer[:120],
        input_message_content=InputTextMessageContent(views.render_entry(m.entry, lang),
                                                      parse_mode=ParseMode.HTML))
        for m in result.matches if result.status != "none"]
    await query.answer(results, cache_time=30)


@require(Role.ADMIN, denied="denied.admin_only")
async def reload_command(update: Update, context: BotContext) -> None:
    lang, knowledge = context.actor.language, context.services.knowledge
    problems = await run(knowledge.load)
    if problems:
        listed = "\n".join(str(p) for p in problems[:15])
        say(update, context, t("faq.reload_failed", lang, count=len(problems),
                               current=knowledge.size, problems=listed))
    else:
        say(update, context, t("faq.reloaded", lang, count=knowledge.size))
