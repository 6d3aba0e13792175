"""解答咨询: a served entity's question that the knowledge base could not answer, handed to
the entity's own commissioners (or, with none reachable, to its county or city supervisors).

All state is in the database; every change commits together with the messages it owes (the
asker's and the commissioners' notices go through the outbox). Whose next typed text belongs
to a thread is a pending input: the owner's after 回复/认领, the asker's after 追问.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from bot.services.base import Done, Render, finish
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
OWNER, ASKER = "consult_answer", "consult_follow"


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


def _view(c: Consultation) -> View:
    last = c.messages[-1].text if c.messages else c.question
    return View(c.id, c.entity.name, c.question, c.status, c.owner.name if c.owner else None,
                c.contact.telegram_id, c.contact.language or "zh", c.contact.name,
                c.created_at, last, c.escalated, c.entity.city, c.entity.county)


def _commissioners(uow: UnitOfWork, entity_id: int, day: date) -> list[Person]:
    return [a.person for a in uow.assignments.commissioners_of(entity_id, day)
            if a.role == "commissioner"]


def _supervisors_for(uow: UnitOfWork, city: str, county: str, day: date) -> list[Person]:
    """The supervisors nearest the entity who are in the pool on ``day``: the county's, else
    the city's, else the province's (the first level where any is on Telegram)."""
    people = [p for p in uow.session.scalars(select(Person).join(PersonRole).where(
        PersonRole.role == "supervisor").distinct()).all() if not p.left_by(day)]
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


def _today(svc: Services) -> date:
    return svc.clock.now().astimezone(svc.policy.tz).date()


# ── handing over ──────────────────────────────────────────────────────


def hand_overs_left(svc: Services, uow: UnitOfWork, contact_id: int) -> int:
    """How many more questions the contact may hand over today (the policy's daily limit)."""
    tz = svc.policy.tz
    day_start = datetime.combine(svc.clock.now().astimezone(tz).date(), datetime.min.time(), tz)
    today_count = uow.session.scalar(select(func.count()).select_from(Consultation).where(
        Consultation.contact_id == contact_id, Consultation.created_at >= day_start)) or 0
    return max(0, svc.policy.consultation.max_new_per_asker_per_day - today_count)


@dataclass(frozen=True)
class Created:
    view: View
    recipients: list[Recipient]
    commissioner_names: list[str]


def create(svc: Services, contact_id: int, faq_question_id: int, *,
           reply: Render[Created] | None = None) -> Done[Created]:
    """Hand a logged question over. Once per question; at most N per asker per day."""
    now = svc.clock.now()
    with svc.uow() as uow:
        contact = uow.session.get(EntityContact, contact_id)
        asked = uow.session.get(FaqQuestion, faq_question_id)
        if contact is None or asked is None or asked.telegram_id != contact.telegram_id \
                or contact.entity is None:  # a region contact has no commissioner to ask
            raise ServiceError("visit.stale_button")
        existing = uow.session.scalar(select(Consultation).where(
            Consultation.faq_question_id == faq_question_id))
        if existing is not None:
            raise ServiceError("consult.already", id=existing.id)
        if hand_overs_left(svc, uow, contact_id) <= 0:
            raise ServiceError("consult.limit",
                               limit=svc.policy.consultation.max_new_per_asker_per_day)
        entity = contact.entity
        commissioners = _commissioners(uow, entity.id, _today(svc))
        recipients = [r for r in map(_recipient, commissioners) if r]
        escalated = not recipients
        if escalated:
            recipients = [r for r in map(_recipient, _supervisors_for(
                uow, entity.city, entity.county, _today(svc))) if r]
        row = Consultation(entity_id=entity.id, contact_id=contact_id, question=asked.question,
                           faq_question_id=faq_question_id, created_at=now, escalated=escalated)
        uow.session.add(row)
        uow.flush()
        uow.audit.record(now, f"contact:{contact_id}", "consultation.create", "consultation",
                         row.id, {"escalated": escalated, "to": [r.name for r in recipients]})
        return finish(uow, now, Created(_view(row), recipients, [p.name for p in commissioners]),
                      reply)


def _load(uow: UnitOfWork, consultation_id: int) -> Consultation:
    row = uow.session.get(Consultation, consultation_id)
    if row is None:
        raise ServiceError("visit.stale_button")
    return row


def may_handle(uow: UnitOfWork, person_id: int, row: Consultation, day: date) -> bool:
    """Commissioners of the entity; for an escalated one, supervisors in scope."""
    if any(p.id == person_id for p in _commissioners(uow, row.entity_id, day)):
        return True
    if row.escalated:
        entity = row.entity
        return any(p.id == person_id
                   for p in _supervisors_for(uow, entity.city, entity.county, day))
    return False


# ── claiming and replying ─────────────────────────────────────────────


@dataclass(frozen=True)
class Taken:
    """认领 or 回复: who owns the thread now, and who else must hear of it."""

    view: View
    won: bool       # False: someone else had claimed it first
    newly: bool     # this press made the claim
    others: list[Recipient] = field(default_factory=list)
    action: str = "claim"


def take(svc: Services, person_id: int, telegram_id: int, consultation_id: int, action: str,
         *, reply: Render[Taken] | None = None) -> Done[Taken]:
    """认领 (claim) or 回复 (reply): the first to claim owns it (an atomic conditional update
    decides); the owner's next typed text then answers it."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _load(uow, consultation_id)
        day = _today(svc)
        if not may_handle(uow, person_id, row, day):
            raise ServiceError("visit.stale_button")
        if row.status == "closed":
            raise ServiceError("consult.closed", id=row.id)
        newly = uow.session.execute(
            update(Consultation).where(Consultation.id == consultation_id,
                                       Consultation.owner_id.is_(None))
            .values(owner_id=person_id, status="claimed", claimed_at=now)
        ).rowcount == 1  # type: ignore[attr-defined]
        uow.session.refresh(row)
        won = row.owner_id == person_id
        others: list[Recipient] = []
        if newly:
            people = (_commissioners(uow, row.entity_id, day) if not row.escalated else
                      _supervisors_for(uow, row.entity.city, row.entity.county, day))
            others = [r for r in map(_recipient, people) if r and r.person_id != person_id]
            uow.audit.record(now, f"person:{person_id}", "consultation.claim", "consultation",
                             row.id, {})
        if won:
            uow.pending.set(telegram_id, OWNER, row.id, now)
        return finish(uow, now, Taken(_view(row), won, newly, others, action), reply)


@dataclass(frozen=True)
class Answered:
    view: View
    text: str
    message_id: int
    resume_visit: object | None = None  # the visit draft that takes the person's text again


def _thread_text(text: str) -> str:
    text = text.strip()
    if not 1 <= len(text) <= 3000:
        raise ServiceError("consult.length")
    return text


def answer_in(svc: Services, uow: UnitOfWork, person_id: int, telegram_id: int,
              consultation_id: int, text: str, key: str) -> Answered:
    """Store the owner's answer; it counts as 解答咨询 in the owner's service record."""
    now, text = svc.clock.now(), _thread_text(text)
    row = _load(uow, consultation_id)
    if row.owner_id != person_id or row.status == "closed":
        uow.pending.clear(telegram_id, OWNER, consultation_id)
        raise ServiceError("consult.not_yours", id=consultation_id)
    message = ConsultationMessage(sender="owner", person_id=person_id, text=text, at=now)
    row.messages.append(message)
    row.status, row.last_answer_at = "answered", now
    _record_service(svc, uow, row, person_id, now)
    uow.visits.mark(key, now)
    uow.pending.clear(telegram_id, OWNER, consultation_id)
    uow.flush()
    return Answered(_view(row), text, message.id, _resume_visit(svc, uow, person_id,
                                                                telegram_id))


def _resume_visit(svc: Services, uow: UnitOfWork, person_id: int, telegram_id: int
                  ) -> object | None:
    """After a reply, an active visit draft takes the person's typed text again."""
    from bot.services.visits import PENDING, state_of

    draft = uow.visits.open_draft(person_id)
    if draft is None or draft.status != "active":
        return None
    uow.pending.set(telegram_id, PENDING, draft.id, svc.clock.now())
    return state_of(svc, uow, draft)


def _record_service(svc: Services, uow: UnitOfWork, row: Consultation, person_id: int,
                    now: datetime) -> None:
    """The first answer makes an off-site service record with the task 解答咨询."""
    if uow.session.scalar(select(Visit.id).where(Visit.consultation_id == row.id)):
        return
    today = now.astimezone(svc.policy.tz).date()
    assignment = next((a for a in uow.assignments.commissioners_of(row.entity_id, today)
                       if a.person_id == person_id), None)
    if assignment is None:
        return  # a supervisor answering an escalated question: no service relation
    from bot.services.visits import visit_number

    visit = Visit(consultation_id=row.id, person_id=person_id, assignment_id=assignment.id,
                  role="commissioner", visit_date=today, mode="online",
                  tasks=[ANSWER_TASK], summary=f"解答咨询：{row.question}"[:2000],
                  integrity_confirmed=True, created_at=now, updated_at=now)
    uow.session.add(visit)
    uow.flush()
    visit.number = visit_number(now, visit.id)


def ask_more(svc: Services, contact_id: int, telegram_id: int, consultation_id: int, *,
             reply: Render[View] | None = None) -> Done[View]:
    """追问: the asker's next typed text goes to the thread."""
    now = svc.clock.now()
    with svc.uow() as uow:
        row = _load(uow, consultation_id)
        if row.contact_id != contact_id or row.status == "closed":
            raise ServiceError("visit.stale_button")
        uow.pending.set(telegram_id, ASKER, row.id, now)
        return finish(uow, now, _view(row), reply)


@dataclass(frozen=True)
class FollowedUp:
    view: View
    text: str
    message_id: int
    owner: Recipient | None


def follow_up_in(svc: Services, uow: UnitOfWork, contact_id: int, telegram_id: int,
                 consultation_id: int, text: str, key: str) -> FollowedUp:
    now, text = svc.clock.now(), _thread_text(text)
    row = _load(uow, consultation_id)
    uow.pending.clear(telegram_id, ASKER, consultation_id)
    if row.contact_id != contact_id or row.status == "closed":
        raise ServiceError("consult.closed", id=consultation_id)
    message = ConsultationMessage(sender="asker", text=text, at=now)
    row.messages.append(message)
    row.status = "claimed" if row.owner_id else "open"
    uow.visits.mark(key, now)
    uow.flush()
    owner = _recipient(row.owner) if row.owner else None
    return FollowedUp(_view(row), text, message.id, owner)


def solve(svc: Services, contact_id: int, consultation_id: int, rating: int | None, *,
          reply: Render[View] | None = None) -> Done[View]:
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
            row.solved, row.status, row.closed_at = True, "closed", now
            uow.pending.clear_ref(OWNER, row.id)
            uow.pending.clear_ref(ASKER, row.id)
        return finish(uow, now, _view(row), reply)


def inbox(svc: Services, person_id: int) -> list[View]:
    """Open consultations of the person's entities (and escalated ones in scope), oldest first."""
    day = _today(svc)
    with svc.uow() as uow:
        entity_ids = [a.entity_id for a in uow.assignments.active_for_person(person_id, day)
                      if a.entity_id]
        rows = uow.session.scalars(select(Consultation).where(
            Consultation.status != "closed",
            (Consultation.entity_id.in_(entity_ids)) | (Consultation.escalated.is_(True)))
            .order_by(Consultation.created_at)).all()
        return [_view(r) for r in rows if r.entity_id in entity_ids or
                may_handle(uow, person_id, r, day)]


def leave_reply(svc: Services, telegram_id: int, consultation_id: int) -> View | None:
    """/cancel while replying: the thread stays in the inbox; typed text no longer goes to it."""
    with svc.uow() as uow:
        uow.pending.clear(telegram_id, OWNER, consultation_id)
        row = uow.session.get(Consultation, consultation_id)
        uow.commit()
        return _view(row) if row else None


def propose(svc: Services, person_id: int, consultation_id: int, *,
            reply: Render[int] | None = None) -> Done[int]:
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
            uow.flush()
        return finish(uow, now, found.id, reply)


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


def late_in(svc: Services, uow: UnitOfWork, at: datetime) -> list[Late]:
    """Consultations past the policy's working-day limits, with whom to remind."""
    rules = svc.policy.consultation
    tz = svc.policy.tz
    day = at.astimezone(tz).date()
    out = []
    for row in uow.session.scalars(select(Consultation).where(
            Consultation.status.in_(("open", "claimed")))):
        created = row.created_at.astimezone(tz)
        answered = any(m.sender == "owner" for m in row.messages)
        if row.owner_id is None and at >= add_working_days(
                created, rules.claim_within_working_days, tz=str(tz)):
            people = (_commissioners(uow, row.entity_id, day) if not row.escalated else
                      _supervisors_for(uow, row.entity.city, row.entity.county, day))
            out.append(Late(_view(row), "claim", [r for r in map(_recipient, people) if r]))
        if not answered and at >= add_working_days(
                created, rules.answer_within_working_days, tz=str(tz)):
            out.append(Late(_view(row), "answer", []))
    return out


def late(svc: Services, at: datetime) -> list[Late]:
    with svc.uow() as uow:
        return late_in(svc, uow, at)


def close_stale_in(svc: Services, uow: UnitOfWork, at: datetime) -> int:
    """Close answered consultations idle for the policy's days since the last answer."""
    limit = timedelta(days=svc.policy.consultation.close_after_days)
    rows = uow.session.scalars(select(Consultation).where(
        Consultation.status == "answered", Consultation.last_answer_at <= at - limit)).all()
    for row in rows:
        row.status, row.closed_at = "closed", at
        uow.pending.clear_ref(OWNER, row.id)
        uow.pending.clear_ref(ASKER, row.id)
    return len(rows)
