"""Repository for visits, drafts, confirmations and handled-update keys. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.store.models import (
    Assignment,
    Cycle,
    Entity,
    HandledUpdate,
    PendingInput,
    Region,
    Visit,
    VisitConfirmation,
    VisitDraft,
)

OPEN = ("active", "paused")
# ``status IN (…)`` of a constant list, as plain binds: an IN list is expanded again at
# every execution, and these statements run on every step
_IS_OPEN = or_(*(VisitDraft.status == status for status in OPEN))
# Read on every step of the conversation: built once (see ``delivery_repo.built``).
_OPEN_DRAFT = select(VisitDraft).where(VisitDraft.person_id == bindparam("person_id"),
                                       _IS_OPEN)


def _with_targets() -> Any:
    """The open draft and pending input, with one row per assignment the person may log a
    visit for today (none: one row of NULLs): a step reads all three in one statement."""
    ent, reg = aliased(Entity), aliased(Region)
    today = bindparam("today", type_=Date)
    current = and_(Assignment.person_id == VisitDraft.person_id, Assignment.start_date <= today,
                   or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
                   or_(Assignment.role == "commissioner", Assignment.role == "envoy"))
    return (
        select(VisitDraft, PendingInput.kind, PendingInput.ref_id, *target_columns(ent, reg))
        .select_from(VisitDraft)
        .outerjoin(PendingInput, PendingInput.telegram_id == bindparam("telegram_id"))
        .outerjoin(Assignment, current)
        .outerjoin(Cycle, and_(Cycle.id == Assignment.cycle_id, Cycle.start_date <= today,
                               Cycle.end_date >= today))
        .outerjoin(ent, ent.id == Assignment.entity_id)
        .outerjoin(reg, reg.id == Assignment.region_id)
        .where(VisitDraft.person_id == bindparam("person_id"), _IS_OPEN)
        .order_by(VisitDraft.id, Assignment.id))


def target_columns(ent: Any, reg: Any) -> tuple[Any, ...]:
    """An assignment as a visit target: id, role, target name and the dates that clip it."""
    return (Assignment.id, Assignment.role, ent.name, reg.county, Assignment.start_date,
            Assignment.end_date, Cycle.start_date, Cycle.end_date)


_STEP_READ = _with_targets()


class Visits:
    def __init__(self, session: Session) -> None:
        self.session = session

    # drafts
    def open_draft(self, person_id: int) -> VisitDraft | None:
        return self.session.scalar(_OPEN_DRAFT, {"person_id": person_id})

    def open_draft_pending_and_targets(self, person_id: int, telegram_id: int, today: date
                                       ) -> tuple[VisitDraft | None, tuple[str, int] | None,
                                                  list[tuple[Any, ...]]]:
        """The open draft, what the person's typed text is pending for (kind, ref_id) if
        anything, and the person's current targets as rows of ``target_columns`` (in
        assignment order): one statement, read on every step of the conversation."""
        draft, pending, targets = None, None, []
        for row in self.session.execute(_STEP_READ, {
                "person_id": person_id, "telegram_id": telegram_id, "today": today}):
            if draft is None:
                draft = row[0]
                pending = (row[1], row[2]) if row[1] is not None else None
            elif row[0] is not draft:  # a second open draft (there is none): the first wins
                break
            if row[3] is not None and row[9] is not None:  # an assignment in a current cycle
                targets.append(tuple(row[3:]))
        return draft, pending, targets

    def draft(self, draft_id: int) -> VisitDraft | None:
        return self.session.get(VisitDraft, draft_id)

    def idle_drafts(self, before: datetime) -> Sequence[VisitDraft]:
        return self.session.scalars(select(VisitDraft).where(
            VisitDraft.status == "active", VisitDraft.updated_at < before)).all()

    # visits
    def get(self, visit_id: int) -> Visit | None:
        return self.session.get(Visit, visit_id)

    def by_draft(self, draft_id: int) -> Visit | None:
        return self.session.scalar(select(Visit).where(Visit.draft_id == draft_id))

    def of_person(self, person_id: int, offset: int, limit: int) -> Sequence[Visit]:
        return self.session.scalars(
            select(Visit).where(Visit.person_id == person_id, Visit.deleted_at.is_(None))
            .order_by(Visit.visit_date.desc(), Visit.id.desc()).offset(offset).limit(limit)
        ).all()

    def count_of_person(self, person_id: int) -> int:
        return self.session.scalar(select(func.count()).select_from(Visit).where(
            Visit.person_id == person_id, Visit.deleted_at.is_(None))) or 0

    def add(self, obj: object) -> None:
        self.session.add(obj)

    # confirmations by the served side
    def confirmation(self, confirmation_id: int) -> VisitConfirmation | None:
        return self.session.get(VisitConfirmation, confirmation_id)

    def awaiting_comment(self, contact_id: int) -> VisitConfirmation | None:
        return self.session.scalar(select(VisitConfirmation).where(
            VisitConfirmation.contact_id == contact_id,
            VisitConfirmation.awaiting_comment.is_(True)))

    # redelivered updates
    def seen(self, key: str) -> bool:
        return self.session.get(HandledUpdate, key) is not None

    def mark(self, key: str, at: datetime) -> None:
        self.session.add(HandledUpdate(key=key, at=at))
