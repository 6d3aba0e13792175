"""Policy questions: plain text outside a conversation, /ask, inline mode; suggestions,
👍/👎 feedback; /reload for administrators."""

from __future__ import annotations

from uuid import uuid4

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode

from bot.context import BotContext
from bot.domain.vocab import Role
from bot.faq import Entry, MatchResult
from bot.faq.render import answer_text, offers_hand_over
from bot.handlers.common import actor_of, answer, parse_press, require, run, say
from bot.handlers.consult import hand_over_button
from bot.i18n import raw, t
from bot.render import problem
from bot.services import faq
from bot.services.errors import ServiceError
from bot.services.identity import Actor, ActorKind

PREFIX = "fq"


def render_entry(entry: Entry, lang: str) -> str:
    """The answer's text (curated, statute article or routing): see bot.faq.render."""
    return answer_text(entry, lang)


def _feedback(question_id: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(raw("faq.btn_up", lang), callback_data=f"{PREFIX}:u:{question_id}"),
        InlineKeyboardButton(raw("faq.btn_down", lang),
                             callback_data=f"{PREFIX}:d:{question_id}")]])


async def reply_to_question(update: Update, context: BotContext, question: str) -> None:
    actor = await actor_of(update, context)
    lang = actor.language
    asked = await run(faq.ask, context.services, actor, question)
    result: MatchResult = asked.result
    if result.status == "answer":
        entry = result.matches[0].entry
        await say(update, render_entry(entry, lang),
                  reply_markup=_feedback(asked.question_id, lang))
        if offers_hand_over(entry):  # "not covered here": offer a person at once
            await _offer_person(update, actor, asked.question_id)
    elif result.status == "suggest":
        rows = [[InlineKeyboardButton(
            m.entry.question_en if lang == "en" and m.entry.question_en else m.entry.question,
            callback_data=f"{PREFIX}:s:{asked.question_id}:{m.entry.id}")]
            for m in result.matches]
        rows.append([InlineKeyboardButton(raw("faq.btn_neither", lang),
                                          callback_data=f"{PREFIX}:n:{asked.question_id}")])
        await say(update, t("faq.suggest", lang), reply_markup=InlineKeyboardMarkup(rows))
    else:
        await say(update, t("faq.none", lang))
        await _offer_person(update, actor, asked.question_id)


async def _offer_person(update: Update, actor: Actor, question_id: int) -> None:
    """When the knowledge base fails: an entity contact may ask their commissioner; anyone
    else is told how to get one."""
    lang = actor.language
    if actor.kind is ActorKind.CONTACT:
        await say(update, t("consult.offer", lang),
                  reply_markup=hand_over_button(question_id, lang))
    elif actor.kind is ActorKind.GUEST:
        await say(update, t("consult.guest_hint", lang))


async def plain_text(update: Update, context: BotContext) -> None:
    """Any text outside a conversation is a policy question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await reply_to_question(update, context, message.text)


async def ask_command(update: Update, context: BotContext) -> None:
    question = " ".join(context.args or []).strip()
    if not question:
        actor = await actor_of(update, context)
        await say(update, t("faq.prompt", actor.language))
        return
    await reply_to_question(update, context, question)


async def ask_button(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    await say(update, t("faq.prompt", actor.language))


async def faq_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = await parse_press(update, context)
    if parsed is None:
        return
    actor, action, question_id, parts = parsed
    lang, svc = actor.language, context.services
    try:
        if action == "s" and len(parts) == 4:
            entry = await run(faq.choose, svc, actor, question_id, parts[3])
            await answer(update)
            await say(update, render_entry(entry, lang), reply_markup=_feedback(question_id, lang))
            if offers_hand_over(entry):
                await _offer_person(update, actor, question_id)
        elif action == "n":
            await run(faq.neither, svc, actor, question_id)
            await answer(update)
            await query.edit_message_reply_markup(None)
            await say(update, t("faq.neither", lang))
            await _offer_person(update, actor, question_id)
        elif action in ("u", "d"):
            await run(faq.vote, svc, actor, question_id, action == "u")
            await answer(update, raw("faq.thanks_up" if action == "u" else "faq.thanks_down",
                                     lang))
            await query.edit_message_reply_markup(None)
            if action == "d":
                await _offer_person(update, actor, question_id)
        else:
            await answer(update, raw("visit.stale_button", lang))
    except ServiceError as exc:
        await answer(update, problem(exc.code, exc.values, lang, html=False))


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
        input_message_content=InputTextMessageContent(render_entry(m.entry, lang),
                                                      parse_mode=ParseMode.HTML))
        for m in result.matches if result.status != "none"]
    await query.answer(results, cache_time=30)


@require(Role.ADMIN, denied="denied.admin_only")
async def reload_command(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    lang, knowledge = actor.language, context.services.knowledge
    problems = await run(knowledge.load)
    if problems:
        listed = "\n".join(str(p) for p in problems[:15])
        await say(update, t("faq.reload_failed", lang, count=len(problems),
                            current=knowledge.size, problems=listed))
    else:
        await say(update, t("faq.reloaded", lang, count=knowledge.size))
