"""/start with an invite code binds the Telegram user; /start alone greets by role."""

from __future__ import annotations

from telegram import Update

from bot import menus
from bot.context import BotContext
from bot.handlers.common import actor_of, refresh_menu, run, say, telegram_user
from bot.i18n import raw, t
from bot.render import problem
from bot.services import identity
from bot.services.errors import ServiceError
from bot.services.identity import Actor, ActorKind


async def start(update: Update, context: BotContext) -> None:
    code = context.args[0] if context.args else None
    if code is None:
        actor = await actor_of(update, context)
        await _greet(update, context, actor, back=actor.kind is not ActorKind.GUEST)
        return
    try:
        actor = await run(identity.bind, context.services, code, telegram_user(update))
    except ServiceError as exc:
        current = await actor_of(update, context)
        await say(update, problem(exc.code, exc.values, current.language))
        return
    await _greet(update, context, actor, back=False)


async def _greet(update: Update, context: BotContext, actor: Actor, *, back: bool) -> None:
    lang = actor.language
    role = raw(f"role.{actor.primary_role}", lang)
    if actor.kind is ActorKind.GUEST:
        text = t("start.guest", lang)
    elif back:
        text = t("start.welcome_back", lang, name=actor.name, role=role)
    elif actor.kind is ActorKind.CONTACT:
        text = t("start.welcome_contact", lang, name=actor.name, entity=actor.entity_name)
    elif actor.primary_role in ("supervisor", "admin"):
        scope = actor.scope_county or actor.scope_city or raw("scope.province", lang)
        text = t("start.welcome_supervisor", lang, name=actor.name, role=role, scope=scope)
    else:
        unit = await run(_unit_of, context, actor)
        text = t("start.welcome_person", lang, name=actor.name, role=role, unit=unit)
    await refresh_menu(context, actor)
    await say(update, text, reply_markup=menus.keyboard(actor.primary_role, lang))


def _unit_of(context: BotContext, actor: Actor) -> str:
    with context.services.uow() as uow:
        person = uow.people.get(actor.person_id or 0)
        return person.unit if person else ""
