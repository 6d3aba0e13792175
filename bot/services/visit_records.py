"""Submitted visits: history, edit (with a reason) and delete within limits, both audited;
follow-up items done; and the served side's confirmation and rating.

Records stay true: changing a confirmed visit's date, mode or entity asks the served side
again (and tells them what changed); deleting a visit drops its open follow-up items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.visits import Refusal, Step
from bot.services.base import Done, Render, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.visits import (
    PENDING,
    Outcome,
    Withdrawn,
    _submitted,
    confirmation_requests,
    contacts_of,
    state_of,
)
from bot.store.models import (
    FollowUp,
    TypicalCase,
    Visit,
    VisitConfirmation,
    VisitDraft,
    VisitPhoto,
)
from bot.store.uow import UnitOfWork

PAGE = 5
# A change of these fields changes what the served side confirmed.
CONFIRMED_FIELDS = ("visit_date", "mode", "assignment_id")


@dataclass(frozen=True)
class FollowUpView:
    id: int
    text: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class VisitView:
    id: int
    number: str
    target: str
    role: str
    visit_date: date
    mode: str
    tasks: list[str]
    summary: str
    needs: str | None
    followups: list[FollowUpView]
    location: dict[str, Any] | None
    photos: int
    created_at: datetime
    can_edit: bool
    can_delete: bool
    confirmations: list[tuple[str, int | None]]  # (status, rating)
    highlight: str | None = None  # flagged as a typical case (典型案例)


def _view(svc: Services, uow: UnitOfWork, v: Visit, now: datetime) -> VisitView:
    rules = svc.policy.visit
    with_loc = ({"lat": v.latitude, "lon": v.longitude, "live": bool(v.location_live)}
                if v.latitude is not None else None)
    confirmations = [(c.status, c.rating) for c in uow.session.scalars(
        select(VisitConfirmation).where(VisitConfirmation.visit_id == v.id,
                                        VisitConfirmation.status != "withdrawn"))]
    return VisitView(
        v.id, v.number or "", v.assignment.target_name, v.role, v.visit_date, v.mode,
        list(v.tasks), v.summary, v.needs,
        [FollowUpView(f.id, f.text, f.status, f.created_at) for f in v.follow_ups], with_loc,
        len(v.photos), v.created_at,
        now - v.created_at <= timedelta(days=rules.edit_within_days),
        now - v.created_at <= timedelta(hours=rules.delete_within_hours),
        confirmations,
        case.highlight if (case := uow.session.get(TypicalCase, v.id)) else None,
    )


def history(svc: Services, person_id: int, page: int) -> tuple[list[VisitView], int, int]:
    """One page of the person's visits, newest first: (views, page, number of pages)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        total = uow.visits.count_of_person(person_id)
        pages = max(1, -(-total // PAGE))
        page = min(max(page, 0), pages - 1)
        rows = uow.visits.of_person(person_id, page * PAGE, PAGE)
        return [_view(svc, uow, v, now) for v in rows], page, pages


def detail(svc: Services, person_id: int, visit_id: int) -> VisitView:
    with svc.uow() as uow:
        visit = uow.visits.get(visit_id)
        if visit is None or visit.person_id != person_id or visit.deleted_at is not None:
            raise ServiceError("visit.stale_button")
        return _view(svc, uow, visit, svc.clock.now())


@dataclass(frozen=True)
class Deleted:
    number: str
    dropped_followups: int


def delete(svc: Services, person_id: int, visit_id: int, key: str, *,
           reply: Render[Deleted] | None = None) -> Done[Deleted]:
    now = svc.clock.now()
    with svc.uow() as uow:
        visit = uow.visits.get(visit_id)
        if visit is None or visit.person_id != person_id:
            raise ServiceError("visit.stale_button")
        if visit.deleted_at is not None:
            return finish(uow, now, Deleted(visit.number or "", 0), reply)
        if now - visit.created_at > timedelta(hours=svc.policy.visit.delete_within_hours):
            raise ServiceError("visit.delete_too_late", hours=svc.policy.visit.delete_within_hours)
        visit.deleted_at = now
        dropped = 0
        for item in visit.follow_ups:
            if item.status == "open":
                item.status, item.resolved_at = "dropped", now
                dropped += 1
        uow.visits.mark(key, now)
        uow.audit.record(now, f"person:{person_id}", "visit.delete", "visit", visit.id,
                         {"number": visit.number, "summary": visit.summary,
                          "visit_date": str(visit.visit_date), "mode": visit.mode,
                          "dropped_followups": dropped})
        return finish(uow, now, Deleted(visit.number or "", dropped), reply)


def begin_edit(svc: Services, person_id: int, telegram_id: int, visit_id: int, chat_id: int,
               *, reply: Render[Any] | None = None) -> Done[Any]:
    """Open a draft holding the visit's fields, at the review card."""
    now = svc.clock.now()
    with svc.uow() as uow:
        visit = uow.visits.get(visit_id)
        if visit is None or visit.person_id != person_id or visit.deleted_at is not None:
            raise ServiceError("visit.stale_button")
        if now - visit.created_at > timedelta(days=svc.policy.visit.edit_within_days):
            raise ServiceError("visit.edit_too_late", days=svc.policy.visit.edit_within_days)
        if uow.visits.open_draft(person_id) is not None:
            raise ServiceError("visit.draft_open")
        data = {
            "assignment_id": visit.assignment_id, "visit_date": visit.visit_date.isoformat(),
            "mode": visit.mode, "tasks": list(visit.tasks), "summary": visit.summary,
            "needs": visit.needs,
            "followups": [f.text for f in visit.follow_ups if f.status == "open"],
            "photos": [{"file_id": p.file_id, "unique": p.file_unique_id} for p in visit.photos],
            "integrity": visit.integrity_confirmed,
        }
        if visit.latitude is not None:
            data["location"] = {"lat": visit.latitude, "lon": visit.longitude,
                                "live": bool(visit.location_live)}
        draft = VisitDraft(person_id=person_id, chat_id=chat_id, status="active",
                           step=Step.REVIEW, data=data, visit_id=visit.id,
                           created_at=now, updated_at=now)
        uow.visits.add(draft)
        uow.flush()
        uow.pending.set(telegram_id, PENDING, draft.id, now)
        return finish(uow, now, state_of(svc, uow, draft), reply)


def finish_edit_in(svc: Services, uow: UnitOfWork, person_id: int, telegram_id: int,
                   draft_id: int | None, reason: str, key: str) -> Outcome:
    """Apply the edit draft to its visit, recording the reason and the changes."""
    now = svc.clock.now()
    reason = reason.strip()
    draft = uow.visits.open_draft(person_id)
    if draft is None or draft.visit_id is None or (draft_id and draft.id != draft_id):
        return Outcome(None, refusal=Refusal("visit.stale_button"), input_kind="text")
    if uow.visits.seen(key):
        return Outcome(state_of(svc, uow, draft), duplicate=True, input_kind="text")
    if not 2 <= len(reason) <= 500:
        return Outcome(state_of(svc, uow, draft), refusal=Refusal("visit.reason_length"),
                       previous=Step.REASON, input_kind="text")
    visit = uow.visits.get(draft.visit_id)
    assert visit is not None
    d = draft.data
    location = d.get("location") or {}
    new = {"assignment_id": d["assignment_id"], "visit_date": date.fromisoformat(
        d["visit_date"]), "mode": d["mode"], "tasks": list(d["tasks"]),
        "summary": d["summary"], "needs": d.get("needs"), "latitude": location.get("lat"),
        "longitude": location.get("lon"), "location_live": location.get("live")}
    diff = {k: [str(getattr(visit, k)), str(v)] for k, v in new.items()
            if getattr(visit, k) != v}
    old_entity = visit.assignment.entity
    for k, v in new.items():
        setattr(visit, k, v)
    if "assignment_id" in diff:
        uow.session.expire(visit, ["assignment"])
        visit.role = visit.assignment.role
    open_items = [f for f in visit.follow_ups if f.status == "open"]
    wanted = list(d.get("followups", []))
    if [f.text for f in open_items] != wanted:
        diff["followups"] = [[f.text for f in open_items], wanted]
        keep = {f.text: f for f in open_items}
        for item in open_items:
            if item.text not in wanted:
                item.status, item.resolved_at = "dropped", now
        for text in wanted:
            if text not in keep:
                visit.follow_ups.append(FollowUp(owner_id=person_id, text=text,
                                                 created_at=now))
    old_photos = [p.file_unique_id for p in visit.photos]
    if old_photos != [p["unique"] for p in d.get("photos", [])]:
        diff["photos"] = [len(old_photos), len(d.get("photos", []))]
        visit.photos = [VisitPhoto(position=i, file_id=p["file_id"],
                                   file_unique_id=p["unique"])
                        for i, p in enumerate(d.get("photos", []))]
    visit.updated_at = now
    draft.status, draft.updated_at = "submitted", now
    uow.visits.mark(key, now)
    uow.pending.clear(telegram_id, PENDING, draft.id)
    changed = tuple(k for k in CONFIRMED_FIELDS if k in diff)
    requests, withdrawn = [], []
    if changed:
        uow.flush()
        withdrawn = _withdraw_other_entity(uow, visit, old_entity)
        requests = confirmation_requests(uow, visit, now, changed)
    uow.audit.record(now, f"person:{person_id}", "visit.edit", "visit", visit.id,
                     diff | ({"confirmation_reset": list(changed)} if changed else {}),
                     note=reason)
    return Outcome(None, submitted=replace(_submitted(visit, edited=True),
                                           confirmations=requests, withdrawn=withdrawn),
                   previous=Step.REASON, input_kind="text")


def _withdraw_other_entity(uow: UnitOfWork, visit: Visit, old_entity: Any) -> list[Withdrawn]:
    """The visit moved away from an entity: its contacts' confirmations no longer apply.
    (An envoy serves one region per cycle: an envoy's visit never moves to another.)"""
    new_entity = visit.assignment.entity
    if old_entity is None or (new_entity is not None and new_entity.id == old_entity.id):
        return []
    out = []
    for row in uow.session.scalars(select(VisitConfirmation).where(
            VisitConfirmation.visit_id == visit.id)):
        if row.contact.entity_id == old_entity.id and row.status != "withdrawn":
            row.status = "withdrawn"
            uow.pending.clear(row.contact.telegram_id, "confirm_comment", row.id)
            out.append(Withdrawn(row.contact.telegram_id, row.contact.language or "zh",
                                 visit.number or "", old_entity.name))
    return out


# ── follow-up items ───────────────────────────────────────────────────


@dataclass(frozen=True)
class FollowUpDone:
    item: FollowUpView
    number: str
    contacts: list[tuple[int, str, str]]  # (telegram id, language, entity) told it is done
    owner: str


def resolve_followup(svc: Services, person_id: int, item_id: int, *,
                     reply: Render[FollowUpDone] | None = None) -> Done[FollowUpDone]:
    """The owner marks a follow-up item done; the entity's contacts hear of it."""
    now = svc.clock.now()
    with svc.uow() as uow:
        item = uow.session.get(FollowUp, item_id)
        if item is None or item.owner_id != person_id or item.visit.deleted_at is not None \
                or item.status == "dropped":
            raise ServiceError("visit.stale_button")
        contacts: list[tuple[int, str, str]] = []
        if item.status == "open":
            item.status, item.resolved_at = "resolved", now
            uow.audit.record(now, f"person:{person_id}", "followup.resolve", "follow_up",
                             item.id, {"visit": item.visit.number, "text": item.text})
            assignment = item.visit.assignment
            contacts = [(c.telegram_id, c.language or "zh", assignment.target_name)
                        for c in contacts_of(uow, assignment)]
        value = FollowUpDone(FollowUpView(item.id, item.text, item.status, item.created_at),
                             item.visit.number or "", contacts, item.visit.person.name)
        return finish(uow, now, value, reply)


def open_followups(svc: Services, person_id: int) -> list[tuple[FollowUpView, str, str]]:
    """The person's open follow-up items: (item, visit number, target), oldest first."""
    with svc.uow() as uow:
        rows = uow.session.scalars(
            select(FollowUp).join(Visit).where(
                FollowUp.owner_id == person_id, FollowUp.status == "open",
                Visit.deleted_at.is_(None)).order_by(FollowUp.created_at, FollowUp.id)).all()
        return [(FollowUpView(f.id, f.text, f.status, f.created_at), f.visit.number or "",
                 f.visit.assignment.target_name) for f in rows]


# ── the served side confirms ──────────────────────────────────────────


@dataclass(frozen=True)
class ConfirmationState:
    confirmation_id: int
    status: str
    rating: int | None
    awaiting_comment: bool
    visit_number: str
    action: str = ""


def answer_confirmation(svc: Services, contact_id: int, telegram_id: int, confirmation_id: int,
                        action: str, value: str | None, key: str, *,
                        reply: Render[ConfirmationState] | None = None
                        ) -> Done[ConfirmationState]:
    """``action``: confirm | dispute | rate (value 1–5) | skip."""
    now = svc.clock.now()
    with svc.uow() as uow:
        state = answer_in(svc, uow, contact_id, telegram_id, confirmation_id, action, value,
                          key)
        return finish(uow, now, state, reply)


def answer_in(svc: Services, uow: UnitOfWork, contact_id: int, telegram_id: int,
              confirmation_id: int, action: str, value: str | None, key: str
              ) -> ConfirmationState:
    now = svc.clock.now()
    row = uow.visits.confirmation(confirmation_id)
    if row is None or row.contact_id != contact_id or row.status == "withdrawn" \
            or row.visit.deleted_at is not None:
        raise ServiceError("visit.stale_button")
    pending = uow.pending.get(telegram_id)
    awaiting = pending is not None and pending.kind == "confirm_comment" \
        and pending.ref_id == row.id
    if not uow.visits.seen(key):
        if action in ("confirm", "dispute") and row.status == "pending":
            row.status = "confirmed" if action == "confirm" else "disputed"
            row.answered_at = now
            if action == "dispute":
                uow.audit.record(now, f"contact:{contact_id}", "visit.dispute", "visit",
                                 row.visit_id, {"round": row.round})
        elif action == "rate" and row.status not in ("pending", "withdrawn") \
                and row.rating is None:
            if value not in {"1", "2", "3", "4", "5"}:
                raise ServiceError("visit.stale_button")
            row.rating = int(value)
            uow.pending.set(telegram_id, "confirm_comment", row.id, now)
            awaiting = True
        elif action == "comment" and awaiting:
            text = (value or "").strip()
            if not 1 <= len(text) <= 1000:
                raise ServiceError("confirm.comment_length")
            row.comment = text
            uow.pending.clear(telegram_id, "confirm_comment", row.id)
            awaiting = False
        elif action == "skip" and awaiting:
            uow.pending.clear(telegram_id, "confirm_comment", row.id)
            awaiting = False
        else:
            raise ServiceError("visit.stale_button")
        uow.visits.mark(key, now)
    return ConfirmationState(row.id, row.status, row.rating, awaiting, row.visit.number or "",
                             action)
