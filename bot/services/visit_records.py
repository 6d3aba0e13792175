"""Submitted visits: history, edit (with a reason) and delete within limits, both audited;
and the served side's confirmation and rating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.visits import Refusal, Step
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.visits import DraftState, Outcome, _state, _submitted
from bot.store.models import FollowUp, Visit, VisitDraft, VisitPhoto

PAGE = 5


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
    followups: list[str]
    location: dict[str, Any] | None
    photos: int
    created_at: datetime
    can_edit: bool
    can_delete: bool
    confirmations: list[tuple[str, int | None]]  # (status, rating)


def _view(svc: Services, v: Visit, now: datetime) -> VisitView:
    from sqlalchemy import select

    from bot.store.models import VisitConfirmation

    rules = svc.policy.visit
    with_loc = ({"lat": v.latitude, "lon": v.longitude, "live": bool(v.location_live)}
                if v.latitude is not None else None)
    session = _session_of(v)
    confirmations = [(c.status, c.rating) for c in session.scalars(
        select(VisitConfirmation).where(VisitConfirmation.visit_id == v.id))] if session else []
    return VisitView(
        v.id, v.number or "", v.assignment.target_name, v.role, v.visit_date, v.mode,
        list(v.tasks), v.summary, v.needs, [f.text for f in v.follow_ups], with_loc,
        len(v.photos), v.created_at,
        now - v.created_at <= timedelta(days=rules.edit_within_days),
        now - v.created_at <= timedelta(hours=rules.delete_within_hours),
        confirmations,
    )


def _session_of(obj: Any) -> Any:
    from sqlalchemy.orm import object_session

    return object_session(obj)


def history(svc: Services, person_id: int, page: int) -> tuple[list[VisitView], int]:
    """One page of the person's visits, newest first, and the number of pages."""
    now = svc.clock.now()
    with svc.uow() as uow:
        total = uow.visits.count_of_person(person_id)
        pages = max(1, -(-total // PAGE))
        page = min(max(page, 0), pages - 1)
        rows = uow.visits.of_person(person_id, page * PAGE, PAGE)
        return [_view(svc, v, now) for v in rows], pages


def detail(svc: Services, person_id: int, visit_id: int) -> VisitView:
    with svc.uow() as uow:
        visit = uow.visits.get(visit_id)
        if visit is None or visit.person_id != person_id or visit.deleted_at is not None:
            raise ServiceError("visit.stale_button")
        return _view(svc, visit, svc.clock.now())


def delete(svc: Services, person_id: int, visit_id: int, key: str) -> str:
    now = svc.clock.now()
    with svc.uow() as uow:
        visit = uow.visits.get(visit_id)
        if visit is None or visit.person_id != person_id:
            raise ServiceError("visit.stale_button")
        if visit.deleted_at is not None:
            return visit.number or ""
        if now - visit.created_at > timedelta(hours=svc.policy.visit.delete_within_hours):
            raise ServiceError("visit.delete_too_late", hours=svc.policy.visit.delete_within_hours)
        visit.deleted_at = now
        uow.visits.mark(key, now)
        uow.audit.record(now, f"person:{person_id}", "visit.delete", "visit", visit.id,
                         {"number": visit.number, "summary": visit.summary,
                          "visit_date": str(visit.visit_date), "mode": visit.mode})
        uow.commit()
        return visit.number or ""


def begin_edit(svc: Services, person_id: int, visit_id: int, chat_id: int) -> DraftState:
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
            "needs": visit.needs, "followups": [f.text for f in visit.follow_ups],
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
        uow.commit()
        return _state(svc, uow, draft)


def finish_edit(svc: Services, person_id: int, draft_id: int | None, reason: str,
                key: str) -> Outcome:
    """Apply the edit draft to its visit, recording the reason and the changes."""
    now = svc.clock.now()
    reason = reason.strip()
    with svc.uow() as uow:
        draft = uow.visits.open_draft(person_id)
        if draft is None or draft.visit_id is None or (draft_id and draft.id != draft_id):
            return Outcome(None, refusal=Refusal("visit.stale_button"))
        if uow.visits.seen(key):
            return Outcome(_state(svc, uow, draft), duplicate=True)
        if not 2 <= len(reason) <= 500:
            return Outcome(_state(svc, uow, draft), refusal=Refusal("visit.reason_length"))
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
        for k, v in new.items():
            setattr(visit, k, v)
        old_items = [f.text for f in visit.follow_ups]
        if old_items != d.get("followups", []):
            diff["followups"] = [old_items, d.get("followups", [])]
            keep = {f.text: f for f in visit.follow_ups}
            visit.follow_ups = [keep.get(text) or FollowUp(owner_id=person_id, text=text,
                                                           created_at=now)
                                for text in d.get("followups", [])]
        old_photos = [p.file_unique_id for p in visit.photos]
        if old_photos != [p["unique"] for p in d.get("photos", [])]:
            diff["photos"] = [len(old_photos), len(d.get("photos", []))]
            visit.photos = [VisitPhoto(position=i, file_id=p["file_id"],
                                       file_unique_id=p["unique"])
                            for i, p in enumerate(d.get("photos", []))]
        visit.updated_at = now
        draft.status, draft.updated_at = "submitted", now
        uow.visits.mark(key, now)
        uow.audit.record(now, f"person:{person_id}", "visit.edit", "visit", visit.id, diff,
                         note=reason)
        uow.commit()
        return Outcome(None, submitted=_submitted(visit, [], edited=True))


# ── the served side confirms ──────────────────────────────────────────


@dataclass(frozen=True)
class ConfirmationState:
    confirmation_id: int
    status: str
    rating: int | None
    awaiting_comment: bool
    visit_number: str


def answer_confirmation(svc: Services, contact_id: int, confirmation_id: int, action: str,
                        value: str | None, key: str) -> ConfirmationState:
    """``action``: confirm | dispute | rate (value 1–5) | comment (value text) | skip."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = uow.visits.confirmation(confirmation_id)
        if row is None or row.contact_id != contact_id:
            raise ServiceError("visit.stale_button")
        if not uow.visits.seen(key):
            if action in ("confirm", "dispute") and row.status == "pending":
                row.status = "confirmed" if action == "confirm" else "disputed"
                row.answered_at = now
                if action == "dispute":
                    uow.audit.record(now, f"contact:{contact_id}", "visit.dispute", "visit",
                                     row.visit_id, {})
            elif action == "rate" and row.status != "pending" and row.rating is None:
                if value not in {"1", "2", "3", "4", "5"}:
                    raise ServiceError("visit.stale_button")
                row.rating = int(value)
                row.awaiting_comment = True
            elif action == "comment" and row.awaiting_comment:
                text = (value or "").strip()
                if not 1 <= len(text) <= 1000:
                    raise ServiceError("confirm.comment_length")
                row.comment, row.awaiting_comment = text, False
            elif action == "skip" and row.awaiting_comment:
                row.awaiting_comment = False
            else:
                raise ServiceError("visit.stale_button")
            uow.visits.mark(key, now)
            uow.commit()
        return ConfirmationState(row.id, row.status, row.rating, row.awaiting_comment,
                                 row.visit.number or "")


def awaiting_comment(svc: Services, contact_id: int) -> int | None:
    with svc.uow() as uow:
        row = uow.visits.awaiting_comment(contact_id)
        return row.id if row else None
