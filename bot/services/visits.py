"""The visit conversation as a use case: load the draft, apply the pure rules, store, commit.

Every call that changes a draft commits before it returns, together with the reply it owes
(the outbox), so the bot says only what is on disk; a redelivered update changes nothing.
While a draft is being filled in, the person's typed text belongs to it (a pending input).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from bot import failpoints
from bot.delivery.out import Out
from bot.domain import visits as rules
from bot.domain.visits import Input, Refusal, Step, Target
from bot.services.base import Done, Render, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.obligations import StatusLine, effect_of_visit
from bot.store.models import (
    Assignment,
    EntityContact,
    FollowUp,
    PersonRole,
    Visit,
    VisitConfirmation,
    VisitDraft,
    VisitPhoto,
)
from bot.store.uow import UnitOfWork
from scheduler.policy import TaskDef

PENDING = "visit"


@dataclass(frozen=True)
class DraftState:
    """What the views need to render the current step."""

    draft_id: int
    step: Step
    data: dict[str, Any]
    role: str
    targets: list[Target]
    tasks: list[TaskDef]
    limits: rules.Limits
    editing: str | None  # the number of the visit being edited, if any
    status: str

    @property
    def target(self) -> Target | None:
        return rules.target_of(self.data, self.targets)


@dataclass(frozen=True)
class ConfirmationRequest:
    """A served-side contact asked to confirm a visit (again, after a change: ``changed``)."""

    confirmation_id: int
    round: int
    telegram_id: int
    language: str
    reporter: str
    role: str
    entity: str
    visit_date: date
    mode: str
    number: str
    changed: tuple[str, ...] = ()
    served: str = "entity"  # the contact speaks for an "entity" or a "region"


@dataclass(frozen=True)
class Withdrawn:
    """A contact whose confirmation no longer applies (the visit moved to another entity)."""

    telegram_id: int
    language: str
    number: str
    entity: str


@dataclass(frozen=True)
class Submitted:
    visit_id: int
    number: str
    on_site: bool
    assignment_id: int
    edited: bool = False
    confirmations: list[ConfirmationRequest] = field(default_factory=list)
    withdrawn: list[Withdrawn] = field(default_factory=list)
    effect: StatusLine | None = None
    period_kind: str = "year"


@dataclass(frozen=True)
class Outcome:
    state: DraftState | None
    refusal: Refusal | None = None
    duplicate: bool = False
    submitted: Submitted | None = None
    cancelled: bool = False
    cancel_asked: bool = False
    previous: Step | None = None    # the step the input was for
    input_kind: str = ""            # press | text | location | photo | other
    album: str | None = None        # the media group of a photo, if any
    resumed_after: str | None = None  # another flow ended: "the visit continues"


# ── reading ───────────────────────────────────────────────────────────


def role_of(uow: UnitOfWork, person_id: int) -> str:
    names = set(uow.session.scalars(select(PersonRole.role).where(
        PersonRole.person_id == person_id)))
    return "commissioner" if "commissioner" in names else "envoy"


def _as_target(row: Any) -> tuple[Target, str]:
    aid, role, entity, county, start, end, cstart, cend = row
    last = min(end, cend) if end else cend
    return Target(aid, entity or county or "", max(start, cstart), last), role


def targets_with_roles(uow: UnitOfWork, person_id: int, today: date
                       ) -> list[tuple[Target, str]]:
    return [_as_target(r) for r in uow.visits.current_targets(person_id, today)]


def targets(uow: UnitOfWork, person_id: int, today: date) -> list[Target]:
    return [t for t, _role in targets_with_roles(uow, person_id, today)]


def state_of(svc: Services, uow: UnitOfWork, draft: VisitDraft,
             pairs: list[tuple[Target, str]] | None = None) -> DraftState:
    """``pairs``: the person's current targets with their roles, when read already."""
    today = svc.clock.now().astimezone(svc.policy.tz).date()
    if pairs is None:
        pairs = targets_with_roles(uow, draft.person_id, today)
    found = [t for t, _r in pairs]
    aid = draft.data.get("assignment_id")
    role = next((r for t, r in pairs if t.assignment_id == aid), None)
    if aid and role is None:  # editing a visit of an ended assignment
        row = uow.visits.target(aid)
        if row is not None:
            target, role = _as_target(row)
            found.append(target)
    if role is None:
        roles = {r for _t, r in pairs}
        role = (roles.pop() if len(roles) == 1 else role_of(uow, draft.person_id))
    editing = None
    if draft.visit_id and draft.status != "submitted":
        visit = uow.visits.get(draft.visit_id)
        editing = visit.number if visit else None
    return DraftState(draft.id, Step(draft.step), dict(draft.data), role, found,
                      list(svc.policy.role(role).tasks), limits(svc), editing, draft.status)


def limits(svc: Services) -> rules.Limits:
    v = svc.policy.visit
    return rules.Limits(v.summary_min_chars, v.summary_max_chars, v.max_photos)


def current(svc: Services, person_id: int) -> DraftState | None:
    """The person's active draft, if any (a paused one waits for /visit)."""
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        if draft is None or draft.status != "active":
            return None
        return state_of(svc, uow, draft)


def open_draft(svc: Services, person_id: int) -> DraftState | None:
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        return state_of(svc, uow, draft) if draft else None


# ── starting ──────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Opened:
    """What /visit (or 记录走访 on /status or a reminder) led to."""

    state: DraftState | None = None
    resume: DraftState | None = None    # an open draft: continue it or start afresh?
    pending_other: tuple[str, int] | None = None  # another flow waits for text: which first?
    problem: ServiceError | None = None


def open_visit(svc: Services, person_id: int, telegram_id: int, chat_id: int,
               assignment_id: int | None = None, *, reply: Render[Opened] | None = None
               ) -> Done[Opened]:
    """/visit: continue-or-fresh when a draft is open; ask which flow first when another one
    waits for the person's text; otherwise open a draft (for ``assignment_id`` if given)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        pending = uow.pending.get(telegram_id)
        existing = uow.visits.open_draft(person_id)
        if pending is not None and pending.kind != PENDING:
            value = Opened(pending_other=(pending.kind, pending.ref_id))
        elif existing is not None and assignment_id is None:
            value = Opened(resume=state_of(svc, uow, existing))
        else:
            try:
                state = _begin(svc, uow, person_id, telegram_id, chat_id,
                               fresh=existing is not None, assignment_id=assignment_id)
                value = Opened(state=state)
            except ServiceError as exc:
                value = Opened(problem=exc)
        return finish(uow, now, value, reply)


def begin(svc: Services, person_id: int, telegram_id: int, chat_id: int, *,
          fresh: bool = False, assignment_id: int | None = None,
          reply: Render[Opened] | None = None) -> Done[Opened]:
    """Open a new draft (dropping any open one when ``fresh``); or resume the open one."""
    now = svc.clock.now()
    with svc.uow() as uow:
        try:
            value = Opened(state=_begin(svc, uow, person_id, telegram_id, chat_id, fresh=fresh,
                                        assignment_id=assignment_id))
        except ServiceError as exc:
            value = Opened(problem=exc)
        return finish(uow, now, value, reply)


def _begin(svc: Services, uow: UnitOfWork, person_id: int, telegram_id: int, chat_id: int,
           *, fresh: bool, assignment_id: int | None) -> DraftState:
    now = svc.clock.now()
    existing = uow.visits.open_draft(person_id)
    if existing is not None and not fresh:
        existing.status, existing.updated_at = "active", now
        uow.pending.set(telegram_id, PENDING, existing.id, now)
        return state_of(svc, uow, existing)
    if existing is not None:
        existing.status, existing.updated_at = "cancelled", now
        uow.flush()
    found = targets(uow, person_id, now.astimezone(svc.policy.tz).date())
    if not found:
        raise ServiceError("visit.no_assignments")
    data = rules.new_draft(found)
    if assignment_id is not None:
        if all(t.assignment_id != assignment_id for t in found):
            raise ServiceError("visit.stale_button")
        data["assignment_id"] = assignment_id
    step = Step.WHEN if data.get("assignment_id") else Step.WHOM
    draft = VisitDraft(person_id=person_id, chat_id=chat_id, status="active", step=step,
                       data=data, created_at=now, updated_at=now)
    uow.visits.add(draft)
    uow.flush()
    uow.pending.set(telegram_id, PENDING, draft.id, now)
    return state_of(svc, uow, draft)


# ── one step ──────────────────────────────────────────────────────────


def step(svc: Services, person_id: int, telegram_id: int, draft_id: int | None, inp: Input,
         key: str, *, reply: Render[Outcome] | None = None) -> Done[Outcome]:
    """Apply one input (a press, or what the person typed or sent) to the open draft."""
    now = svc.clock.now()
    with svc.uow() as uow:
        outcome = step_in(svc, uow, person_id, telegram_id, draft_id, inp, key)
        return finish(uow, now, outcome, reply)


def step_in(svc: Services, uow: UnitOfWork, person_id: int, telegram_id: int,
            draft_id: int | None, inp: Input, key: str, *,
            opened: tuple[VisitDraft | None, tuple[str, int] | None] | None = None
            ) -> Outcome:
    """``opened``: the open draft and the person's pending input, when the caller has read
    them already (else read here, in one statement)."""
    now = svc.clock.now()
    kind = _kind(inp)
    pairs = None
    if opened is not None:
        draft, pending = opened
    else:  # the draft, the pending input and the targets in one statement
        draft, pending, rows = uow.visits.open_draft_pending_and_targets(
            person_id, telegram_id, now.astimezone(svc.policy.tz).date())
        pairs = [_as_target(r) for r in rows]
    if draft is None or (draft_id is not None and draft.id != draft_id):
        old = uow.visits.draft(draft_id) if draft_id else None
        if old is not None and old.person_id == person_id and old.status == "submitted":
            visit = uow.visits.by_draft(old.id) or uow.visits.get(old.visit_id or 0)
            if visit is not None:
                return Outcome(None, duplicate=True, submitted=_submitted(visit),
                               input_kind=kind)
        return Outcome(state_of(svc, uow, draft, pairs) if draft else None,
                       refusal=Refusal("visit.stale_button"), input_kind=kind)
    if isinstance(inp, rules.Press) and draft.step == Step.REVIEW and inp.value == "cancel":
        return Outcome(state_of(svc, uow, draft, pairs), cancel_asked=True,
                       previous=Step.REVIEW, input_kind=kind)
    state = state_of(svc, uow, draft, pairs)
    ctx = rules.Context(state.targets, [t.key for t in state.tasks],
                        now.astimezone(svc.policy.tz).date(), state.limits)
    data = dict(draft.data)
    previous = Step(draft.step)
    album = inp.album if isinstance(inp, rules.Photo) else None
    try:
        new_step = rules.handle(previous, data, inp, ctx)
    except Refusal as refusal:
        return Outcome(state, refusal=refusal, previous=previous, input_kind=kind, album=album)
    draft.data, draft.step, draft.status, draft.updated_at = data, new_step, "active", now
    if pending != (PENDING, draft.id):  # the visit asks last: it gets the typed text
        uow.pending.set(telegram_id, PENDING, draft.id, now)
    return Outcome(replace(state, step=new_step, data=dict(data), status="active"),
                   previous=previous, input_kind=kind, album=album)


def show(svc: Services, person_id: int, telegram_id: int, draft_id: int, *,
         reply: Render[Outcome] | None = None) -> Done[Outcome]:
    """Show the draft's current step again ("no, keep going" after a cancel question)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        if draft is None or draft.id != draft_id:
            outcome = Outcome(None, refusal=Refusal("visit.stale_button"), input_kind="press")
        else:
            draft.status, draft.updated_at = "active", now
            uow.pending.set(telegram_id, PENDING, draft.id, now)
            outcome = Outcome(state_of(svc, uow, draft), input_kind="press")
        return finish(uow, now, outcome, reply)


def _kind(inp: Input) -> str:
    return {rules.Press: "press", rules.Text: "text", rules.Location: "location",
            rules.Photo: "photo"}.get(type(inp), "other")


# ── submitting, cancelling ────────────────────────────────────────────


def submit(svc: Services, person_id: int, telegram_id: int, draft_id: int, key: str, *,
           reply: Render[Outcome] | None = None) -> Done[Outcome]:
    """Turn the draft into a visit, once: a double tap or a redelivery finds it submitted.
    The served side's confirmation requests are written in the same transaction."""
    now = svc.clock.now()
    with svc.uow() as uow:
        outcome = _submit(svc, uow, person_id, telegram_id, draft_id, key)
        failpoints.hit("submit.before_commit")
        return finish(uow, now, outcome, reply)


def _submit(svc: Services, uow: UnitOfWork, person_id: int, telegram_id: int, draft_id: int,
            key: str) -> Outcome:
    now = svc.clock.now()
    draft = uow.visits.draft(draft_id)
    if draft is None or draft.person_id != person_id:
        return Outcome(None, refusal=Refusal("visit.stale_button"), input_kind="press")
    if draft.status == "submitted":
        visit = uow.visits.get(draft.visit_id or 0)
        assert visit is not None
        return Outcome(None, duplicate=True, submitted=_submitted(visit), input_kind="press")
    state = state_of(svc, uow, draft)
    if draft.status not in ("active", "paused") or Step(draft.step) is not Step.REVIEW:
        return Outcome(state, refusal=Refusal("visit.stale_button"), input_kind="press")
    if rules.missing(draft.data):
        return Outcome(state, refusal=Refusal("visit.incomplete"), input_kind="press")
    if draft.visit_id is not None:  # editing a submitted visit: ask why first
        draft.step, draft.updated_at = Step.REASON, now
        uow.visits.mark(key, now)
        uow.pending.set(telegram_id, PENDING, draft.id, now)
        return Outcome(state_of(svc, uow, draft), previous=Step.REVIEW, input_kind="press")
    visit = _create_visit(uow, draft, now)
    requests = confirmation_requests(uow, visit, now)
    draft.status, draft.visit_id, draft.updated_at = "submitted", visit.id, now
    uow.visits.mark(key, now)
    uow.pending.clear(telegram_id, PENDING, draft.id)
    uow.audit.record(now, f"person:{person_id}", "visit.submit", "visit", visit.id,
                     {"number": visit.number})
    uow.flush()
    effect = effect_of_visit(uow.session, svc, person_id, visit.assignment_id, now)
    period = svc.policy.role(visit.role).obligation.period
    return Outcome(None, submitted=replace(_submitted(visit), confirmations=requests,
                                           effect=effect, period_kind=period),
                   previous=Step.REVIEW, input_kind="press")


def _create_visit(uow: UnitOfWork, draft: VisitDraft, now: datetime) -> Visit:
    d = draft.data
    # its entity and region are needed (the confirmation requests), its person and cycle not
    assignment = uow.session.get(Assignment, d["assignment_id"], options=(
        lazyload(Assignment.person), lazyload(Assignment.cycle)))
    assert assignment is not None
    location = d.get("location") or {}
    visit = Visit(
        draft_id=draft.id, person_id=draft.person_id, assignment=assignment,
        role=assignment.role, visit_date=date.fromisoformat(d["visit_date"]), mode=d["mode"],
        tasks=list(d["tasks"]), summary=d["summary"], needs=d.get("needs"),
        latitude=location.get("lat"), longitude=location.get("lon"),
        location_live=location.get("live"), integrity_confirmed=bool(d.get("integrity")),
        created_at=now, updated_at=now,
        photos=[VisitPhoto(position=i, file_id=p["file_id"], file_unique_id=p["unique"])
                for i, p in enumerate(d.get("photos", []))],
        follow_ups=[FollowUp(owner_id=draft.person_id, text=text, created_at=now)
                    for text in d.get("followups", [])],
    )
    uow.visits.add(visit)
    uow.flush()
    visit.number = visit_number(now, visit.id)
    return visit


def visit_number(now: datetime, visit_id: int) -> str:
    return f"V{now.year}-{visit_id:06d}"


def contacts_of(uow: UnitOfWork, assignment: Assignment) -> list[EntityContact]:
    """Who speaks for the assignment's served side: the entity's contacts (a commissioner's
    visit) or the region's county IP department contacts (an envoy's visit)."""
    if assignment.entity_id is not None:
        where = EntityContact.entity_id == assignment.entity_id
    elif assignment.region_id is not None:
        where = EntityContact.region_id == assignment.region_id
    else:
        return []
    return list(uow.session.scalars(select(EntityContact).where(where)
                                    .order_by(EntityContact.id)))


def confirmation_requests(uow: UnitOfWork, visit: Visit, now: datetime,
                          changed: tuple[str, ...] = ()) -> list[ConfirmationRequest]:
    """Ask every contact of the visit's entity or region (new rows, or reset ones after a
    change)."""
    contacts = contacts_of(uow, visit.assignment)
    if not contacts:
        return []
    existing = {c.contact_id: c for c in uow.session.scalars(
        select(VisitConfirmation).where(VisitConfirmation.visit_id == visit.id))}
    out = []
    for contact in contacts:
        row = existing.get(contact.id)
        if row is None:
            row = VisitConfirmation(visit_id=visit.id, contact_id=contact.id, sent_at=now,
                                    round=1)
            uow.visits.add(row)
            uow.flush()
        else:
            row.round += 1
            row.status, row.rating, row.comment = "pending", None, None
            uow.pending.clear(contact.telegram_id, "confirm_comment", row.id)
            row.answered_at, row.sent_at = None, now
        out.append(ConfirmationRequest(
            row.id, row.round, contact.telegram_id, contact.language or "zh",
            visit.person.name, visit.role, visit.assignment.target_name, visit.visit_date,
            visit.mode, visit.number or "", changed,
            "region" if contact.region_id is not None else "entity"))
    return out


def _submitted(visit: Visit, edited: bool = False) -> Submitted:
    return Submitted(visit.id, visit.number or "", visit.mode == "on_site", visit.assignment_id,
                     edited)


def cancel(svc: Services, person_id: int, telegram_id: int, draft_id: int | None, key: str, *,
           reply: Render[Outcome] | None = None) -> Done[Outcome]:
    now = svc.clock.now()
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        if draft is None or (draft_id is not None and draft.id != draft_id):
            outcome = Outcome(None, refusal=Refusal("visit.stale_button"), input_kind="press")
        else:
            draft.status, draft.updated_at = "cancelled", now
            uow.visits.mark(key, now)
            uow.pending.clear(telegram_id, PENDING, draft.id)
            outcome = Outcome(None, cancelled=True, input_kind="press")
        return finish(uow, now, outcome, reply)


def pause_idle(svc: Services, idle: timedelta, notice: Any) -> Done[list[int]]:
    """Pause drafts idle longer than ``idle`` (kept, resumable with /visit); ``notice(chat,
    language, draft_id)`` renders the note that tells their owners."""
    now = svc.clock.now()
    with svc.uow() as uow:
        drafts = uow.visits.idle_drafts(now - idle)
        outs: list[Out] = []
        for d in drafts:
            person = uow.people.get(d.person_id)
            d.status = "paused"
            if person is not None and person.telegram_id is not None:
                uow.pending.clear(person.telegram_id, PENDING, d.id)
            outs.append(notice(d.chat_id, (person.language if person else None) or "zh", d))
        return finish(uow, now, [d.id for d in drafts], lambda _ids: outs)
