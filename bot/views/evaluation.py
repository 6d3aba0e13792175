"""/evaluation on screen: who is due, one person's card (key figures, the result, grade
buttons), and the replies after a grade, a comment or a reason."""

from __future__ import annotations

from bot.delivery.out import Out
from bot.i18n import raw, t
from bot.reports.evaluation import PackFigures
from bot.services.evaluations import Due, Recorded, Subject
from bot.views import callbacks as cb
from bot.views.markup import Markup, button, inline
from bot.views.reply import Replier
from scheduler.policy import GradeDef

PAGE = 8


def _b(text: str, action: str, ref: int = 0, extra: str | None = None) -> dict[str, str]:
    return button(text, cb.encode(cb.EVALUATION, action, ref, extra))


def _role(role: str, lang: str) -> str:
    return raw(f"role.{role}", lang)


def due_list(items: list[Due], page: int, recorded: int, letter_periods: list[str],
             lang: str) -> tuple[str, Markup | None]:
    pages = max(1, -(-len(items) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE:(page + 1) * PAGE]
    text = t("eval.list", lang, due=len(items), recorded=recorded, page=page + 1, pages=pages)
    if not items:
        text += "\n" + t("eval.none_due", lang)
    rows = [[_b(raw("eval.btn_person", lang, name=d.name, role=_role(d.role, lang),
                    period=d.period), "open", d.person_id, d.period)] for d in shown]
    nav = []
    if page > 0:
        nav.append(_b(raw("history.btn_prev", lang), "list", page - 1))
    if page < pages - 1:
        nav.append(_b(raw("history.btn_next", lang), "list", page + 1))
    rows.append(nav)
    rows.append([_b(raw("eval.btn_letters", lang, period=code), "letters", 0, code)
                 for code in letter_periods])
    return text, inline(rows)


def card(sub: Subject, fig: PackFigures, result: Recorded | None, grades: tuple[GradeDef, ...],
         lang: str) -> tuple[str, Markup | None]:
    p = sub.period
    lines = [
        t("eval.card_title", lang, name=sub.name, role=_role(sub.role, lang), period=p.code),
        t("eval.card_unit", lang, unit=sub.unit or "—"),
        t("eval.card_period", lang, start=p.start.isoformat(), end=p.end.isoformat()),
        t("eval.card_visits", lang, visits=fig.visits, on_site=fig.on_site,
          met=fig.windows_met, total=fig.windows_total, late=fig.windows_late,
          missed=fig.windows_missed),
        t("eval.card_confirm", lang, confirmed=fig.confirmed, disputed=fig.disputed,
          rating="—" if fig.rating_avg is None else f"{fig.rating_avg:.1f}"),
    ]
    if sub.role == "commissioner":
        lines.append(t("eval.card_consult", lang, n=fig.consultations,
                       on_time=fig.answered_on_time))
    by_key = {g.key: g for g in grades}
    if result is None:
        lines.append(t("eval.card_none", lang))
    else:
        grade = by_key[result.grade].label(lang) if result.grade in by_key else result.grade
        lines.append(t("eval.card_result", lang, grade=grade))
        if result.comment:
            lines.append(t("eval.card_comment", lang, comment=result.comment))
    lines.append(t("eval.card_hint_change" if result else "eval.card_hint", lang))
    ref, code = sub.person_id, p.code
    buttons = [_b(("✅ " if result and result.grade == g.key else "") + g.label(lang), f"g{i}",
                  ref, code) for i, g in enumerate(grades)]
    rows = [[_b(raw("eval.btn_pack", lang), "pack", ref, code)]]
    rows += [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if result is not None and not result.comment:
        rows.append([_b(raw("eval.btn_comment", lang), "comment", ref, code)])
    rows.append([_b(raw("eval.btn_list", lang), "list", 0)])
    return "\n".join(lines), inline(rows)


def after_grade(value: Recorded, grades: tuple[GradeDef, ...], r: Replier) -> list[Out]:
    """After a grade button: recorded (the card is shown again by the handler), or a change
    that waits for its reason."""
    lang = r.lang
    label = {g.key: g.label(lang) for g in grades}
    if value.outcome == "ask_reason":
        return [r.send(t("eval.ask_reason", lang, name=value.person, period=value.period,
                         before=label.get(value.grade, value.grade),
                         after=label.get(value.pending or "", value.pending or "")))]
    if value.outcome == "recorded":
        return [r.send(t("eval.recorded", lang, name=value.person, period=value.period,
                         grade=label.get(value.grade, value.grade)))]
    return []


def ask_comment(value: Recorded, r: Replier) -> list[Out]:
    return [r.send(t("eval.ask_comment", r.lang, name=value.person, period=value.period))]


def after_typed(value: Recorded, r: Replier) -> list[Out]:
    """After the typed reason (the grade changed) or comment (saved)."""
    lang = r.lang
    if value.outcome == "changed":
        return [r.send(t("eval.changed", lang, name=value.person, period=value.period),
                       inline([[_b(raw("eval.btn_card", lang), "open", value.person_id,
                                   value.period)]]))]
    return [r.send(t("eval.commented", lang, name=value.person, period=value.period),
                   inline([[_b(raw("eval.btn_card", lang), "open", value.person_id,
                               value.period)]]))]
