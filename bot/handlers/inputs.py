"""The one router for what a person types or sends in a private chat (that is not a command
or a menu button): the arbiter service decides which flow it belongs to."""

from __future__ import annotations

from telegram import Message, Update

from bot import failpoints
from bot.context import BotContext
from bot.domain import visits as rules
from bot.handlers.common import replier, run
from bot.handlers.visit import update_key
from bot.i18n import all_languages
from bot.services import inputs
from bot.views import inputs as views

SKIP_TEXTS = all_languages("visit.btn_skip")


def to_input(message: Message) -> rules.Input:
    if message.location is not None:
        loc = message.location
        return rules.Location(loc.latitude, loc.longitude, loc.live_period is not None)
    if message.photo:
        largest = message.photo[-1]
        return rules.Photo(largest.file_id, largest.file_unique_id, message.media_group_id)
    if message.text is not None:
        text = message.text
        return rules.Skip(text) if text.strip() in SKIP_TEXTS else rules.Text(text)
    kind = next((k for k in ("sticker", "voice", "document", "video", "contact")
                 if getattr(message, k, None)), "other")
    return rules.Other(kind)


async def route_input(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    actor, r, svc = context.actor, replier(update, context), context.services
    done = await run(inputs.route, svc, actor, to_input(message), update_key(update),
                     reply=lambda routed: views.render(routed, actor, r, svc.policy))
    failpoints.hit("input.after_commit")
    context.deliver(done.sent)
