"""解答咨询: a served entity's question that the knowledge base could not answer, handed to
the entity's own commissioners (or, with none reachable, to its county or city supervisors).

All state is in the database; every change commits before the bot says anything about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store.models import (
    Consultation,
    ConsultationMessage,
    EntityContact,
    FaqQuestion,
    KnowledgeProposal,
    Person,
    PersonRole,
    Visit,
)
from bot.store.uow import UnitOfWork
from scheduler.workdays import add_working_days

ANSWER_TASK = "answer_consultations"


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    telegram_id: int
    language: str


@dataclass(frozen=True)
class View:
    id: int
    entity: str
    question: str
    status: str
    owner: str | None
    asker_telegram_id: int
    asker_language: str
    asker_name: str
    created_at: datetime
    last_message: str
    escalated: bool
    city: str
    county: str


@dataclass(frozen=True)
class Created:
    view: View
    recipients: list[Recipient]
    commissioner_names: list[str]


def _view(c: Consultation) -> View:
    last = c.messages[-1].text if c.messages else c.question
    return View(c.id, c.entity.name, c.question, c.status, c.owner.name if c.owner else None,
                c.contact.telegram_id, c.contact.language or "zh", c.contact.name,
                c.created_at, last, c.escalated, c.entity.city, c.entity.county)


def _commissioners(uow: UnitOfWork, entity_id: int, day) -> list[Person]:  # type: ignore[no-untyped-def]
    return [a.person for a in uow.assignments.commissioners_of(entity_id, day)
            if a.role == "commissioner"]


def _supervisors_for(uow: UnitOfWork, city: str, county: str) -> list[Person]:
    people = uow.session.scalars(select(Person).join(PersonRole).where(
        PersonRole.role == "supervisor").distinct()).all()
    for level in (
        [p for p in people if p.scope_county and p.scope_county == county],
        [p for p in people if p.scope_city and not p.scope_county and p.scope_city == city],
        [p for p in people if not p.scope_city and not p.scope_county],  # the province
    ):
        if any(p.telegram_id for p in level):
            return level
    return []


def _recipient(p: Person) -> Recipient | None:
    if p.telegram_id is None:
        return None
    return Recipient(p.id, p.name, p.telegram_id, p.language or "zh")


def create(svc: Services, contact_id: int, faq_question_id: int) -> Created:
    """Hand a logged question over. Once per question; at most N per asker per day."""
    now = svc.clock.now()
    tz = svc.policy.tz
    with svc.uow() as uow:
        contact = uow.session.get(EntityContact, contact_id)
        asked = uow.session.get(FaqQuestion, faq_question_id)
        if contact is None or asked is None or asked.telegram_id != contact.telegram_id:
            raise ServiceError("visit.stale_button")
        existing = uow.session.scalar(select(Consultation).where(
            Consultation.faq_question_id == faq_question_id))
        if existing is not None:
            raise ServiceError("consult.already", id=existing.id)
        day_start = datetime.combine(now.astimezone(tz).date(), datetime.min.time(), tz)
        today_count = uow.session.scalar(select(func.count()).select_from(Consultation).where(
            Consultation.contact_id == contact_id, Consultation.created_at >= day_start)) or 0
        limit = svc.policy.consultation.max_new_per_asker_per_day
        if today_count >= limit:
            raise ServiceError("consult.limit", limit=limit)
        entity = contact.entity
        commissioners = _commissioners(uow, entity.id, now.astimezone(tz).date())
        recipients = [r for r in map(_recipient, commissioners) if r]
        escalated = not recipients
        if escalated:
            recipients = [r for r in map(_recipient, _supervisors_for(
                uow, entity.city, entity.county)) if r]
        row = Consultation(entity_id=entity.id, contact_id=contact_id, question=asked.question,
                           faq_question_id=faq_question_id, created_at=now, escalated=escalated)
        uow.session.add(row)
        uow.flush()
        uow.audit.record(now, f"contact:{contact_id}", "consultation.create", "consultation",
                         row.id, {"escalated": escalated, "to": [r.name for r in recipients]})
        uow.commit()
        return Created(_view(row), recipients, [p.name for p in commissioners])


def _load(uow: UnitOfWork, consultation_id: int) -> Consultation:
    row = uow.session.get(Consultation, consultation_id)
    if row is None:
        raise ServiceError("visit.stale_button")
    return row


def may_handle(uow: UnitOfWork, person_id: int, row: Consultation, day) -> bool:  # type: ignore[no-untyped-def]
    """Commissioners of the entity; for an escalated one, supervisors in scope."""
    if any(p.id == person_id for p in _commissioners(uow, row.entity_id, day)):
        return True
    if row.escalated:
        entity = row.entity
        return any(p.id == person_id for p in _supervisors_for(uow, entity.city, entity.county))
    return False


@dataclass(frozen=True)
class Claimed:
    view: View
    won: bool  # False: someone else had claimed it first
    others: list[Recipient]


def claim(svc: Services, person_id: int, consultation_id: int) -> Claimed:
    """The first to claim owns it (an atomic conditional update decides)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _load(uow, consultation_id)
        day = now.astimezone(svc.policy.tz).date()
        if not may_handle(uow, person_id, row, day):
            raise ServiceError("visit.stale_button")
        if row.status == "closed":
            raise ServiceError("consult.closed", id=row.id)
        won = uow.session.execute(
            update(Consultation).where(Consultation.id == consultation_id,
                                       Consultation.owner_id.is_(None))
            .values(owner_id=person_id, status="claimed", claimed_at=now, awaiting="owner")
        ).rowcount == 1  # type: ignore[attr-defined]
        uow.commit()
        uow.session.refresh(row)
        others = []
        if won:
            people = (_commissioners(uow, row.entity_id, day) if not row.escalated else
                      _supervisors_for(uow, row.entity.city, row.entity.county))
            others = [r for r in map(_recipient, people) if r and r.person_id != person_id]
        return Claimed(_view(row), won or row.owner_id == person_id, others)


def start_reply(svc: Services, person_id: int, consultation_id: int) -> View:
    """回复: the owner's next text answers this consultation (claims it when still open)."""
    claimed = claim(svc, person_id, consultation_id)
    if not claimed.won:
        raise ServiceError("consult.claimed_by", owner=claimed.view.owner or "")
    with svc.uow() as uow:
        for other in uow.session.scalars(select(Consultation).where(
                Consultation.owner_id == person_id, Consultation.awaiting == "owner",
                Consultation.id != consultation_id)):
            other.awaiting = None  # one thread at a time takes the owner's text
        row = _load(uow, consultation_id)
        row.awaiting = "owner"
        uow.commit()
        return _view(row)


def awaiting_owner(svc: Services, person_id: int) -> int | None:
    with svc.uow() as uow:
        return uow.session.scalar(select(Consultation.id).where(
            Consultation.owner_id == person_id, Consultation.awaiting == "owner",
            Consultation.status != "closed"))


def awaiting_asker(svc: Services, contact_id: int) -> int | None:
    with svc.uow() as uow:
        return uow.session.scalar(select(Consultation.id).where(
            Consultation.contact_id == contact_id, Consultation.awaiting == "asker",
            Consultation.status != "closed"))


def _thread_text(text: str) -> str:
    text = text.strip()
    if not 1 <= len(text) <= 3000:
        raise ServiceError("consult.length")
    return text


def _open_thread(uow: UnitOfWork, consultation_id: int,
                 mine: Callable[[Consultation], bool]) -> Consultation:
    """The consultation, if it is still open and ``mine`` says it is the caller's."""
    row = _load(uow, consultation_id)
    if not mine(row) or row.status == "closed":
        raise ServiceError("visit.stale_button")
    return row


def answer(svc: Services, person_id: int, consultation_id: int, text: str, key: str) -> View:
    """Store the owner's answer; it counts as 解答咨询 in the owner's service record."""
    now, text = svc.clock.now(), _thread_text(text)
    with svc.uow() as uow:
        row = _open_thread(uow, consultation_id, lambda r: r.owner_id == person_id)
        if uow.visits.seen(key):
            return _view(row)
        row.messages.append(ConsultationMessage(sender="owner", person_id=person_id, text=text,
                                                at=now))
        row.status, row.last_answer_at, row.awaiting = "answered", now, None
        _record_service(uow, row, person_id, now)
        uow.visits.mark(key, now)
        uow.commit()
        return _view(row)


def _record_service(uow: UnitOfWork, row: Consultation, person_id: int, now: datetime) -> None:
    """The first answer makes an off-site service record with the task 解答咨询."""
    if uow.session.scalar(select(Visit.id).where(Visit.consultation_id == row.id)):
        return
    assignment = next((a for a in uow.assignments.commissioners_of(row.entity_id, now.date())
                       if a.person_id == person_id), None)
    if assignment is None:
        return  # a supervisor answering an escalated question: no service relation
    visit = Visit(consultation_id=row.id, person_id=person_id, assignment_id=assignment.id,
                  role="commissioner", visit_date=now.date(), mode="online",
                  tasks=[ANSWER_TASK], summary=f"解答咨询：{row.question}"[:2000],
                  integrity_confirmed=True, created_at=now, updated_at=now)
    uow.session.add(visit)
    uow.flush()
    visit.number = f"V{now.year}-{visit.id:06d}"


def follow_up_mode(svc: Services, contact_id: int, consultation_id: int) -> View:
    with svc.uow() as uow:
        row = _load(uow, consultation_id)
        if row.contact_id != contact_id or row.status == "closed":
            raise ServiceError("visit.stale_button")
        row.awaiting = "asker"
        uow.commit()
        return _view(row)


def follow_up(svc: Services, contact_id: int, consultation_id: int, text: str, key: str
              ) -> tuple[View, Recipient | None]:
    now, text = svc.clock.now(), _thread_text(text)
    with svc.uow() as uow:
        row = _open_thread(uow, consultation_id, lambda r: r.contact_id == contact_id)
        if not uow.visits.seen(key):
            row.messages.append(ConsultationMessage(sender="asker", text=text, at=now))
            row.status = "claimed" if row.owner_id else "open"
            row.awaiting = "owner" if row.owner_id else None
            uow.visits.mark(key, now)
            uow.commit()
        owner = _recipient(row.owner) if row.owner else None
        return _view(row), owner


def solve(svc: Services, contact_id: int, consultation_id: int, rating: int | None) -> View:
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _load(uow, consultation_id)
        if row.contact_id != contact_id:
            raise ServiceError("visit.stale_button")
        if rating is not None:
            if not 1 <= rating <= 5 or not row.solved:
                raise ServiceError("visit.stale_button")
            row.rating = row.rating or rating
        else:
            row.solved, row.status, row.closed_at, row.awaiting = True, "closed", now, None
        uow.commit()
        return _view(row)


def inbox(svc: Services, person_id: int) -> list[View]:
    """Open consultations of the person's entities (and escalated ones in scope), oldest first."""
    day = svc.clock.now().astimezone(svc.policy.tz).date()
    with svc.uow() as uow:
        entity_ids = [a.entity_id for a in uow.assignments.active_for_person(person_id, day)
                      if a.entity_id]
        rows = uow.session.scalars(select(Consultation).where(
            Consultation.status != "closed",
            (Consultation.entity_id.in_(entity_ids)) | (Consultation.escalated.is_(True)))
            .order_by(Consultation.created_at)).all()
        return [_view(r) for r in rows if r.entity_id in entity_ids or
                may_handle(uow, person_id, r, day)]


def propose(svc: Services, person_id: int, consultation_id: int) -> int:
    """加入知识库: store the question and the owner's answers as a proposal (reviewed later)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _load(uow, consultation_id)
        answers = [m.text for m in row.messages if m.sender == "owner"]
        if row.owner_id != person_id or not answers:
            raise ServiceError("visit.stale_button")
        found = uow.session.scalar(select(KnowledgeProposal).where(
            KnowledgeProposal.consultation_id == consultation_id))
        if found is None:
            found = KnowledgeProposal(consultation_id=consultation_id, person_id=person_id,
                                      question=row.question, answer="\n".join(answers),
                                      created_at=now)
            uow.session.add(found)
            uow.commit()
        return found.id


def proposals(svc: Services, mark_exported: bool = False) -> list[KnowledgeProposal]:
    with svc.uow() as uow:
        rows = list(uow.session.scalars(select(KnowledgeProposal).order_by(KnowledgeProposal.id)))
        if mark_exported:
            for r in rows:
                r.exported_at = r.exported_at or svc.clock.now()
            uow.commit()
        return rows


# ── timeliness ────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Late:
    view: View
    kind: str  # "claim" (not claimed in time) | "answer" (not answered in time)
    recipients: list[Recipient]


def late(svc: Services, at: datetime) -> list[Late]:
    """Consultations past the policy's working-day limits, with whom to remind."""
    rules = svc.policy.consultation
    tz = svc.policy.tz
    day = at.astimezone(tz).date()
    out = []
    with svc.uow() as uow:
        for row in uow.session.scalars(select(Consultation).where(
                Consultation.status.in_(("open", "claimed")))):
            created = row.created_at.astimezone(tz)
            answered = any(m.sender == "owner" for m in row.messages)
            if row.owner_id is None and at >= add_working_days(
                    created, rules.claim_within_working_days, tz=str(tz)):
                people = (_commissioners(uow, row.entity_id, day) if not row.escalated else
                          _supervisors_for(uow, row.entity.city, row.entity.county))
                out.append(Late(_view(row), "claim",
                                [r for r in map(_recipient, people) if r]))
            if not answered and at >= add_working_days(
                    created, rules.answer_within_working_days, tz=str(tz)):
                out.append(Late(_view(row), "answer", []))
    return out


def close_stale(svc: Services, at: datetime) -> int:
    """Close answered consultations idle for the policy's days since the last answer."""
    limit = timedelta(days=svc.policy.consultation.close_after_days)
    with svc.uow() as uow:
        rows = uow.session.scalars(select(Consultation).where(
            Consultation.status == "answered", Consultation.last_answer_at <= at - limit)).all()
        for row in rows:
            row.status, row.closed_at, row.awaiting = "closed", at, None
        uow.commit()
        return len(rows)


