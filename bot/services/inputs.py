"""The one arbiter of typed text (and of locations and photos): whichever flow last asked the
person to type gets it — a visit draft, the answer to a consultation, a follow-up question,
a comment on a rating, a typical case's highlight, an evaluation's comment or the reason of a
changed grade — and everything else is a policy question.

One unit of work per update: the pending input is read, the flow applied, the reply written
to the outbox and the update marked done, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain import visits as rules
from bot.domain.visits import Step
from bot.services import cases, consultations, evaluations, faq, visit_records, visits
from bot.services.base import Done, Render, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.identity import Actor
from bot.store.uow import UnitOfWork

# what each pending kind is called in replies (catalog: pending.what_<kind>)
KINDS = ("visit", "consult_answer", "consult_follow", "confirm_comment", "highlight",
         "eval_comment", "eval_reason")
TEXT_KINDS = KINDS[1:]  # the flows that take only text


@dataclass(frozen=True)
class Routed:
    """Where the input went and what came of it."""

    flow: str  # one of KINDS | faq | unsupported
    value: Any = None
    error: ServiceError | None = None
    expect_text: bool = False  # a flow that takes only text got something else


def route(svc: Services, actor: Actor, inp: rules.Input, key: str, *,
          reply: Render[Routed] | None = None) -> Done[Routed]:
    with svc.uow() as uow:
        routed = route_in(svc, uow, actor, inp, key)
        return finish(uow, svc.clock.now(), routed, reply)


def route_in(svc: Services, uow: UnitOfWork, actor: Actor, inp: rules.Input, key: str
             ) -> Routed:
    pending = uow.pending.get(actor.telegram_id)
    kind = pending.kind if pending is not None else None
    text = inp.text if isinstance(inp, rules.Text) else None
    try:
        if kind == "visit" and actor.person_id is not None and pending is not None:
            draft = uow.visits.open_draft(actor.person_id)
            if draft is not None and draft.id == pending.ref_id and draft.status == "active":
                if Step(draft.step) is Step.REASON and text is not None:
                    return Routed("visit", visit_records.finish_edit_in(
                        svc, uow, actor.person_id, actor.telegram_id, draft.id, text, key))
                if isinstance(inp, rules.Skip):  # the skip button typed as text
                    inp = rules.Press(draft.step, rules.SKIP) if Step(draft.step) in (
                        Step.LOCATION, Step.NEEDS, Step.FOLLOWUPS, Step.PHOTOS) \
                        else rules.Text(inp.text)
                return Routed("visit", visits.step_in(
                    svc, uow, actor.person_id, actor.telegram_id, draft.id, inp, key,
                    opened=(draft, (pending.kind, pending.ref_id))))
            uow.pending.clear(actor.telegram_id)  # the draft ended elsewhere
        elif kind in TEXT_KINDS and pending is not None:
            if text is None:
                return Routed(kind, pending.ref_id, expect_text=True)
            if kind == "consult_answer" and actor.person_id is not None:
                return Routed(kind, consultations.answer_in(
                    svc, uow, actor.person_id, actor.telegram_id, pending.ref_id, text, key))
            if kind == "consult_follow" and actor.contact_id is not None:
                return Routed(kind, consultations.follow_up_in(
                    svc, uow, actor.contact_id, actor.telegram_id, pending.ref_id, text, key))
            if kind == "confirm_comment" and actor.contact_id is not None:
                return Routed(kind, visit_records.answer_in(
                    svc, uow, actor.contact_id, actor.telegram_id, pending.ref_id, "comment",
                    text, key))
            if kind == "highlight" and actor.person_id is not None:
                return Routed(kind, cases.flag_in(
                    svc, uow, actor.person_id, actor.telegram_id, pending.ref_id, text, key))
            if kind in ("eval_comment", "eval_reason") and actor.person_id is not None:
                return Routed(kind, evaluations.typed_in(
                    svc, uow, kind, actor.person_id, actor.telegram_id, pending.ref_id, text))
            uow.pending.clear(actor.telegram_id)  # left over from another identity
    except ServiceError as exc:
        return Routed(kind or "faq", pending.ref_id if pending else None, error=exc)
    if isinstance(inp, rules.Skip):
        text = inp.text
    if text is None:
        return Routed("unsupported")
    return Routed("faq", faq.ask_in(svc, uow, actor, text))


def pending_of(svc: Services, telegram_id: int) -> tuple[str, int] | None:
    with svc.uow() as uow:
        row = uow.pending.get(telegram_id)
        return (row.kind, row.ref_id) if row else None


@dataclass(frozen=True)
class Cancelled:
    """/cancel: what was pending, and what became of it."""

    kind: str | None
    ref: int | None
    visit: visits.DraftState | None = None  # a visit: the drop is confirmed first


def cancel(svc: Services, actor: Actor, *, reply: Render[Cancelled] | None = None
           ) -> Done[Cancelled]:
    """End whatever waits for the person's text. A visit draft is only dropped after a
    confirmation (its buttons); a reply or a comment simply stops waiting."""
    with svc.uow() as uow:
        row = uow.pending.get(actor.telegram_id)
        if row is None and actor.person_id is not None:
            draft = uow.visits.open_draft(actor.person_id)
            if draft is not None and draft.status == "active":
                value = Cancelled("visit", draft.id, visits.state_of(svc, uow, draft))
                return finish(uow, svc.clock.now(), value, reply)
        if row is None:
            return finish(uow, svc.clock.now(), Cancelled(None, None), reply)
        if row.kind == "visit" and actor.person_id is not None:
            draft = uow.visits.open_draft(actor.person_id)
            if draft is not None and draft.id == row.ref_id:
                value = Cancelled("visit", draft.id, visits.state_of(svc, uow, draft))
                return finish(uow, svc.clock.now(), value, reply)
        uow.pending.clear(actor.telegram_id)
        return finish(uow, svc.clock.now(), Cancelled(row.kind, row.ref_id), reply)


def choose_visit(svc: Services, actor: Actor, chat_id: int, *,
                 reply: Render[visits.Opened] | None = None) -> Done[visits.Opened]:
    """"Log a visit first" while a reply waited: the reply stops waiting (the thread stays in
    the inbox) and the visit opens."""
    with svc.uow() as uow:
        uow.pending.clear(actor.telegram_id)
        uow.flush()
        try:  # the open draft continues, or a new one starts
            value = visits.Opened(state=visits._begin(
                svc, uow, actor.person_id or 0, actor.telegram_id, chat_id, fresh=False,
                assignment_id=None))
        except ServiceError as exc:
            value = visits.Opened(problem=exc)
        return finish(uow, svc.clock.now(), value, reply)
