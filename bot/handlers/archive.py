"""/archive (服务档案) for supervisors and administrators: pick a person, an entity or a
region within their scope (or name one: /archive NAME) and receive its archive as .xlsx; and
the quarter's typical cases. Read-only: the files are sent, not stored."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.delivery.out import document
from bot.domain.vocab import Role
from bot.handlers.common import button, deliver, replier, require, run, say
from bot.render import problem
from bot.reports.archive import archive_workbook, cases_workbook
from bot.services import archive, cases
from bot.services.errors import ServiceError
from bot.views import archive as views
from bot.views import callbacks as cb

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


async def _send_archive(update: Update, context: BotContext, kind: str, ref: int) -> None:
    actor, svc, lang = context.actor, context.services, context.actor.language
    target, inp = await run(archive.export_for, svc, actor.person_id or 0, kind, ref)
    data = await run(archive_workbook, inp, lang)
    chat = update.effective_chat
    assert chat is not None
    deliver(context, [document(chat.id, archive.file_name(target, inp), data,
                               views.caption(target, len(inp.visits), len(inp.consultations),
                                             lang))])


@require(*SUPERVISORS, denied="denied.supervisor_only")
async def archive_command(update: Update, context: BotContext) -> None:
    """/archive: the menu; /archive NAME: that person's, entity's or place's archive."""
    actor, svc, lang = context.actor, context.services, context.actor.language
    me, text = actor.person_id or 0, " ".join(context.args or []).strip()
    try:
        if not text:
            scope = await run(archive.scope_for, svc, me)
            say(update, context, *views.menu(scope, lang))
            return
        targets = await run(archive.find_for, svc, me, text)
        if len(targets) == 1:
            await _send_archive(update, context, targets[0].kind, targets[0].id)
        else:
            say(update, context, *views.found(targets, text, lang))
    except ServiceError as exc:
        say(update, context, problem(exc.code, exc.values, lang))


@require(*SUPERVISORS, denied="denied.supervisor_only")
@button
async def archive_press(update: Update, context: BotContext, press: cb.Press) -> bool:
    actor, svc, lang = context.actor, context.services, context.actor.language
    me, r = actor.person_id or 0, replier(update, context)
    if press.action == "menu":
        scope = await run(archive.scope_for, svc, me)
        deliver(context, [r.edit(*views.menu(scope, lang))])
    elif press.action == "list" and press.extra in views.CODE_KINDS:
        kind = views.CODE_KINDS[press.extra]
        scope, targets = await run(archive.pick, svc, me, kind)
        deliver(context, [r.edit(*views.choices(kind, targets, press.ref, scope, lang))])
    elif press.action == "get" and press.extra in views.CODE_KINDS:
        await _send_archive(update, context, views.CODE_KINDS[press.extra], press.ref)
    elif press.action == "cases":
        await run(archive.scope_for, svc, me)
        today = svc.clock.now().astimezone(svc.policy.tz).date()
        deliver(context, [r.edit(*views.quarters(today, lang))])
    elif press.action == "case" and 1 <= press.ref % 10 <= 4:
        period = cases.quarter(f"{press.ref // 10}-Q{press.ref % 10}")
        rows = await run(cases.export_for, svc, me, period)
        tasks = tuple(t for role in ("commissioner", "envoy")
                      for t in svc.policy.role(role).tasks)
        now = svc.clock.now().astimezone(svc.policy.tz)
        data = await run(cases_workbook, rows, period.label, now, tasks, lang)
        chat = update.effective_chat
        assert chat is not None
        deliver(context, [document(chat.id, f"typical-cases-{period.label}.xlsx", data,
                                   views.cases_caption(period.label, len(rows), lang))])
    else:
        return False
    return True
