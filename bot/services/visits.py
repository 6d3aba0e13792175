"""The visit conversation as a use case: load the draft, apply the pure rules, store, commit.

Every call that changes a draft commits before it returns, so the bot replies only about
what is on disk; each user action carries a key (its callback query or message id), recorded
in the same transaction, so a redelivered update is never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain import visits as rules
from bot.domain.visits import Input, Refusal, Step, Target
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store.models import Assignment, FollowUp, Visit, VisitConfirmation, VisitDraft, VisitPhoto
from bot.store.uow import UnitOfWork
from scheduler.policy import TaskDef


@dataclass(frozen=True)
class DraftState:
    """What the handler needs to render the current step."""

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
class Submitted:
    visit_id: int
    number: str
    on_site: bool
    assignment_id: int
    edited: bool = False
    confirmations: list[ConfirmationRequest] = field(default_factory=list)


@dataclass(frozen=True)
class ConfirmationRequest:
    confirmation_id: int
    telegram_id: int
    language: str
    reporter: str
    entity: str
    visit_date: date
    mode: str


@dataclass(frozen=True)
class Outcome:
    state: DraftState | None
    refusal: Refusal | None = None
    duplicate: bool = False
    submitted: Submitted | None = None
    cancelled: bool = False


# ── reading ───────────────────────────────────────────────────────────


def role_of(uow: UnitOfWork, person_id: int) -> str:
    person = uow.people.get(person_id)
    names = person.role_names if person else frozenset()
    return "commissioner" if "commissioner" in names else "envoy"


def targets(uow: UnitOfWork, person_id: int, today: date) -> list[Target]:
    return [_target(a) for a in uow.assignments.active_for_person(person_id, today)
            if a.role in ("commissioner", "envoy")]


def _target(a: Assignment) -> Target:
    end = min(a.end_date, a.cycle.end_date) if a.end_date else a.cycle.end_date
    return Target(a.id, a.target_name, max(a.start_date, a.cycle.start_date), end)


def _state(svc: Services, uow: UnitOfWork, draft: VisitDraft) -> DraftState:
    today = svc.clock.now().date()
    found = targets(uow, draft.person_id, today)
    role = role_of(uow, draft.person_id)
    if draft.data.get("assignment_id"):
        assignment = uow.session.get(Assignment, draft.data["assignment_id"])
        if assignment is not None:
            role = assignment.role
            if all(t.assignment_id != assignment.id for t in found):
                found.append(_target(assignment))  # editing a visit of an ended assignment
    editing = None
    if draft.visit_id and draft.status != "submitted":
        visit = uow.visits.get(draft.visit_id)
        editing = visit.number if visit else None
    return DraftState(draft.id, Step(draft.step), dict(draft.data), role, found,
                      list(_policy_tasks(svc, role)), _limits(svc), editing, draft.status)


def _policy_tasks(svc: Services, role: str) -> tuple[TaskDef, ...]:
    return getattr(svc.policy.roles, role).tasks


def _limits(svc: Services) -> rules.Limits:
    v = svc.policy.visit
    return rules.Limits(v.summary_min_chars, v.summary_max_chars, v.max_photos)


def current(svc: Services, person_id: int) -> DraftState | None:
    """The person's active draft, if any (a paused one waits for /visit)."""
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        if draft is None or draft.status != "active":
            return None
        return _state(svc, uow, draft)


def open_draft(svc: Services, person_id: int) -> DraftState | None:
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        return _state(svc, uow, draft) if draft else None


# ── starting ──────────────────────────────────────────────────────────


def begin(svc: Services, person_id: int, chat_id: int, *, fresh: bool = False,
          assignment_id: int | None = None) -> DraftState:
    """Open a new draft (dropping any open one when ``fresh``); or resume the open one."""
    now = svc.clock.now()
    with svc.uow() as uow:
        existing = uow.visits.open_draft(person_id)
        if existing is not None and not fresh:
            existing.status, existing.updated_at = "active", now
            uow.commit()
            return _state(svc, uow, existing)
        if existing is not None:
            existing.status, existing.updated_at = "cancelled", now
            uow.flush()
        found = targets(uow, person_id, now.date())
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
        uow.commit()
        return _state(svc, uow, draft)


# ── one step ──────────────────────────────────────────────────────────


def step(svc: Services, person_id: int, draft_id: int | None, inp: Input, key: str) -> Outcome:
    """Apply one user input to the person's open draft."""
    now = svc.clock.now()
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        if draft is None or (draft_id is not None and draft.id != draft_id):
            old = uow.visits.draft(draft_id) if draft_id else None
            if old is not None and old.person_id == person_id and old.status == "submitted":
                visit = uow.visits.by_draft(old.id) or uow.visits.get(old.visit_id or 0)
                if visit is not None:
                    return Outcome(None, duplicate=True, submitted=_submitted(visit, []))
            return Outcome(_state(svc, uow, draft) if draft else None,
                           refusal=Refusal("visit.stale_button"))
        if uow.visits.seen(key):
            return Outcome(_state(svc, uow, draft), duplicate=True)
        state = _state(svc, uow, draft)
        ctx = rules.Context(state.targets, [t.key for t in state.tasks], now.date(),
                            state.limits)
        data = dict(draft.data)
        try:
            new_step = rules.handle(Step(draft.step), data, inp, ctx)
        except Refusal as refusal:
            return Outcome(state, refusal=refusal)
        draft.data, draft.step, draft.status, draft.updated_at = data, new_step, "active", now
        uow.visits.mark(key, now)
        uow.commit()
        return Outcome(replace(state, step=new_step, data=dict(data), status="active"))


# ── submitting, cancelling ────────────────────────────────────────────


def submit(svc: Services, person_id: int, draft_id: int, key: str) -> Outcome:
    """Turn the draft into a visit, once: a double tap or a redelivery finds it submitted."""
    now = svc.clock.now()
    with svc.uow() as uow:
        draft = uow.visits.draft(draft_id)
        if draft is None or draft.person_id != person_id:
            return Outcome(None, refusal=Refusal("visit.stale_button"))
        if draft.status == "submitted":
            visit = uow.visits.get(draft.visit_id or 0)
            assert visit is not None
            return Outcome(None, duplicate=True, submitted=_submitted(visit, []))
        state = _state(svc, uow, draft)
        if draft.status not in ("active", "paused") or Step(draft.step) is not Step.REVIEW:
            return Outcome(state, refusal=Refusal("visit.stale_button"))
        missing = rules.missing(draft.data)
        if missing:
            return Outcome(state, refusal=Refusal("visit.incomplete"))
        if draft.visit_id is not None:  # editing a submitted visit: ask why first
            draft.step, draft.updated_at = Step.REASON, now
            uow.visits.mark(key, now)
            uow.commit()
            return Outcome(_state(svc, uow, draft))
        visit = _create_visit(uow, draft, now)
        requests = _confirmation_requests(uow, visit, now)
        draft.status, draft.visit_id, draft.updated_at = "submitted", visit.id, now
        uow.visits.mark(key, now)
        uow.audit.record(now, f"person:{person_id}", "visit.submit", "visit", visit.id,
                         {"number": visit.number})
        uow.commit()
        return Outcome(None, submitted=_submitted(visit, requests))


def _create_visit(uow: UnitOfWork, draft: VisitDraft, now: datetime) -> Visit:
    d = draft.data
    assignment = uow.session.get(Assignment, d["assignment_id"])
    assert assignment is not None
    location = d.get("location") or {}
    visit = Visit(
        draft_id=draft.id, person_id=draft.person_id, assignment_id=assignment.id,
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
    visit.number = f"V{now.year}-{visit.id:06d}"
    return visit


def _confirmation_requests(uow: UnitOfWork, visit: Visit, now: datetime
                           ) -> list[ConfirmationRequest]:
    entity = visit.assignment.entity
    if entity is None:  # an envoy's region has no contacts (yet)
        return []
    from sqlalchemy import select

    from bot.store.models import EntityContact

    contacts = uow.session.scalars(
        select(EntityContact).where(EntityContact.entity_id == entity.id)).all()
    out = []
    for contact in contacts:
        row = VisitConfirmation(visit_id=visit.id, contact_id=contact.id, sent_at=now)
        uow.visits.add(row)
        uow.flush()
        out.append(ConfirmationRequest(row.id, contact.telegram_id, contact.language or "zh",
                                       visit.person.name, entity.name, visit.visit_date,
                                       visit.mode))
    return out


def _submitted(visit: Visit, requests: list[ConfirmationRequest], edited: bool = False
               ) -> Submitted:
    return Submitted(visit.id, visit.number or "", visit.mode == "on_site", visit.assignment_id,
                     edited, requests)


def cancel(svc: Services, person_id: int, draft_id: int | None, key: str) -> Outcome:
    now = svc.clock.now()
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        if draft is None or (draft_id is not None and draft.id != draft_id):
            return Outcome(None, refusal=Refusal("visit.stale_button"))
        draft.status, draft.updated_at = "cancelled", now
        uow.visits.mark(key, now)
        uow.commit()
        return Outcome(None, cancelled=True)


def pause_idle(svc: Services, idle: timedelta) -> list[tuple[int, str]]:
    """Pause drafts idle longer than ``idle`` (kept, resumable with /visit).

    Returns (chat id, language) of each, for the note that tells them.
    """
    now = svc.clock.now()
    with svc.uow() as uow:
        drafts = uow.visits.idle_drafts(now - idle)
        out = []
        for d in drafts:
            person = uow.people.get(d.person_id)
            out.append((d.chat_id, (person.language if person else None) or "zh"))
        for d in drafts:
            d.status = "paused"
        uow.commit()
        return out
