"""Repository for visits, drafts, confirmations and handled-update keys. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from bot.store.models import HandledUpdate, PendingInput, Visit, VisitConfirmation, VisitDraft

OPEN = ("active", "paused")
# ``status IN (…)`` of a constant list, as plain binds: an IN list is expanded again at
# every execution, and these statements run on every step
_IS_OPEN = or_(*(VisitDraft.status == status for status in OPEN))
# Read on every step of the conversation: built once (see ``delivery_repo.built``).
_OPEN_DRAFT = select(VisitDraft).where(VisitDraft.person_id == bindparam("person_id"),
                                       _IS_OPEN)
_OPEN_DRAFT_AND_PENDING = (
    select(VisitDraft, PendingInput.kind, PendingInput.ref_id)
    .outerjoin(PendingInput, PendingInput.telegram_id == bindparam("telegram_id"))
    .where(VisitDraft.person_id == bindparam("person_id"), _IS_OPEN))


class Visits:
    def __init__(self, session: Session) -> None:
        self.session = session

    # drafts
    def open_draft(self, person_id: int) -> VisitDraft | None:
        return self.session.scalar(_OPEN_DRAFT, {"person_id": person_id})

    def open_draft_and_pending(self, person_id: int, telegram_id: int
                               ) -> tuple[VisitDraft | None, tuple[str, int] | None]:
        """The open draft and, in the same statement, what the person's typed text is
        pending for (kind, ref_id), if anything."""
        row = self.session.execute(_OPEN_DRAFT_AND_PENDING, {
            "person_id": person_id, "telegram_id": telegram_id}).first()
        if row is None:
            return None, None
        draft, kind, ref_id = row
        return draft, (kind, ref_id) if kind is not None else None

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
