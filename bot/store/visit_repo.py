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


# Visit targets: the assignments a person may log a visit for, as rows of ``TARGET_COLUMNS``
# (id, role, target name and the dates that clip it), read on every step of the conversation
# (built once, bound at execution).
_ENT, _REG = aliased(Entity), aliased(Region)
TARGET_COLUMNS = (Assignment.id, Assignment.role, _ENT.name, _REG.county, Assignment.start_date,
                  Assignment.end_date, Cycle.start_date, Cycle.end_date)
_TODAY = bindparam("today", type_=Date)
# a current assignment is one of a current cycle: the cycle's dates are checked in its join
_CYCLE_NOW = and_(Cycle.id == Assignment.cycle_id, Cycle.start_date <= _TODAY,
                  Cycle.end_date >= _TODAY)


def _current(person: Any) -> Any:
    """An assignment of ``person`` (a column or a bound value) running on ``:today`` in a
    role that logs visits (a constant IN list as plain binds: see ``_IS_OPEN``)."""
    return and_(Assignment.person_id == person, Assignment.start_date <= _TODAY,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= _TODAY),
                or_(Assignment.role == "commissioner", Assignment.role == "envoy"))


def _named(stmt: Any, cycle: Any, *, outer: bool = False) -> Any:
    """``stmt`` joined from its assignments to their cycle (on ``cycle``) and to the entity or
    region they serve; ``outer`` keeps the rows without a target (a draft's)."""
    stmt = stmt.outerjoin(Cycle, cycle) if outer else stmt.join(Cycle, cycle)
    return (stmt.outerjoin(_ENT, _ENT.id == Assignment.entity_id)
            .outerjoin(_REG, _REG.id == Assignment.region_id))


_CURRENT_TARGETS = (_named(select(*TARGET_COLUMNS), _CYCLE_NOW)
                    .where(_current(bindparam("person_id"))).order_by(Assignment.id))
_TARGET = (_named(select(*TARGET_COLUMNS), Cycle.id == Assignment.cycle_id)
           .where(Assignment.id == bindparam("assignment_id")))
# the open draft and pending input, with one row per current target (none: one row of
# NULLs): a step reads all three in one statement
_STEP_READ = (
    _named(select(VisitDraft, PendingInput.kind, PendingInput.ref_id, *TARGET_COLUMNS)
           .select_from(VisitDraft)
           .outerjoin(PendingInput, PendingInput.telegram_id == bindparam("telegram_id"))
           .outerjoin(Assignment, _current(VisitDraft.person_id)), _CYCLE_NOW, outer=True)
    .where(VisitDraft.person_id == bindparam("person_id"), _IS_OPEN)
    .order_by(VisitDraft.id, Assignment.id))


class Visits:
    def __init__(self, session: Session) -> None:
        self.session = session

    # targets
    def current_targets(self, person_id: int, today: date) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.session.execute(
            _CURRENT_TARGETS, {"person_id": person_id, "today": today})]

    def target(self, assignment_id: int) -> tuple[Any, ...] | None:
        """Any assignment as a target, current or not (a visit of an ended one is edited)."""
        row = self.session.execute(_TARGET, {"assignment_id": assignment_id}).first()
        return tuple(row) if row is not None else None

    # drafts
    def open_draft(self, person_id: int) -> VisitDraft | None:
        return self.session.scalar(_OPEN_DRAFT, {"person_id": person_id})

    def open_draft_pending_and_targets(self, person_id: int, telegram_id: int, today: date
                                       ) -> tuple[VisitDraft | None, tuple[str, int] | None,
                                                  list[tuple[Any, ...]]]:
        """The open draft, what the person's typed text is pending for (kind, ref_id) if
        anything, and the person's current targets as rows of ``TARGET_COLUMNS`` (in
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
