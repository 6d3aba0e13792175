"""/start with an invite code binds the Telegram user; /start alone greets by role."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.basics import refresh_menu
from bot.handlers.common import run, say, telegram_user
from bot.i18n import raw, t
from bot.render import problem
from bot.services import identity
from bot.services.errors import ServiceError
from bot.services.identity import Actor, ActorKind
from bot.views.common import menu_keyboard


async def start(update: Update, context: BotContext) -> None:
    code = context.args[0] if context.args else None
    if code is None:
        actor = context.actor
        await _greet(update, context, actor, back=actor.kind is not ActorKind.GUEST)
        return
    try:
        actor = await run(identity.bind, context.services, code, telegram_user(update))
    except ServiceError as exc:
        say(update, context, problem(exc.code, exc.values, context.actor.language))
        return
    context.identity_changed(actor)
    await _greet(update, context, actor, back=False)


async def _greet(update: Update, context: BotContext, actor: Actor, *, back: bool) -> None:
    lang = actor.language
    role = raw(f"role.{actor.primary_role}", lang)
    if actor.kind is ActorKind.GUEST:
        text = t("start.guest", lang)
    elif back:
        text = t("start.welcome_back", lang, name=actor.name, role=role)
    elif actor.contact_kind == "region":
        text = t("start.welcome_region_contact", lang, name=actor.name, region=actor.region_name)
    elif actor.kind is ActorKind.CONTACT:
        text = t("start.welcome_contact", lang, name=actor.name, entity=actor.entity_name)
    elif actor.primary_role in ("supervisor", "admin"):
        scope = actor.scope_county or actor.scope_city or raw("scope.province", lang)
        text = t("start.welcome_supervisor", lang, name=actor.name, role=role, scope=scope)
    else:
        text = t("start.welcome_person", lang, name=actor.name, role=role, unit=actor.unit)
    await refresh_menu(context, actor)
    say(update, context, text, menu_keyboard(actor.primary_role, lang))
