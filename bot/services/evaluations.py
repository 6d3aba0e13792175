"""评价 (seed 004): the provincial office evaluates envoys every year and commissioners every
cycle, keeps the result, and feeds it back to each person's dispatching unit.

* :func:`subject` names whom and which period (a code: ``2026``, ``2026-2027``; by default
  the latest period that has ended).
* :func:`pack_input` reads everything the evaluation pack shows (pure rendering in
  :mod:`bot.reports.evaluation`).
* :func:`record` stores a grade from the policy's scale, with a comment, by a supervisor of
  the province; changing a result needs a reason, and is audited with it.
* :func:`due` lists the evaluations whose period has ended without a result.
* :func:`letters` gathers one feedback letter per dispatching unit and period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from bot.reports.evaluation import (
    PackChange,
    PackConfirmation,
    PackConsultation,
    PackFigures,
    PackFollowUp,
    PackInput,
    PackRecord,
    PackRecordChange,
    PackVisit,
    PackWindow,
    pack_figures,
)
from bot.reports.letters import LetterInput, LetterPerson
from bot.services.base import Done, Render, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.obligations import load_spans
from bot.store.models import (
    AuditEntry,
    Consultation,
    ConsultationMessage,
    EntityContact,
    Evaluation,
    FollowUp,
    Person,
    TypicalCase,
    Visit,
    VisitConfirmation,
)
from bot.store.models import Cycle as CycleRow
from bot.store.uow import UnitOfWork
from scheduler.evaluations import (
    Cycle,
    EvaluationPeriod,
    RecordedVisit,
    default_period,
    evaluation_key,
    evaluations_due,
    period_by_code,
    period_code,
    periods_of,
    window_outcomes,
)
from scheduler.obligations import AssignmentSpan
from scheduler.policy import GradeDef
from scheduler.workdays import add_working_days

ROLES = ("commissioner", "envoy")
REASON = "eval_reason"    # pending input: the reason of a changed grade
COMMENT = "eval_comment"  # pending input: the comment on a new result


# ── whom, which period ────────────────────────────────────────────────


@dataclass(frozen=True)
class Subject:
    """One person's evaluation in one period."""

    person_id: int
    name: str
    unit: str
    role: str
    period: EvaluationPeriod


def find_person(uow: UnitOfWork, text: str) -> Person:
    """The person named by name or phone (exactly one)."""
    found = uow.people.find(text.strip())
    if len(found) != 1:
        raise ServiceError("invite.person_unknown" if not found else "invite.person_ambiguous",
                           value=text)
    return found[0]


def cycles_in(uow: UnitOfWork) -> list[Cycle]:
    return [Cycle(c.id, c.start_date, c.end_date)
            for c in uow.session.scalars(select(CycleRow).order_by(CycleRow.start_date))]


def _roles(uow: UnitOfWork, person: Person) -> list[str]:
    """The person's staff roles: held now, or served in (someone who left keeps a record)."""
    held = [r for r in ROLES if r in person.role_names]
    served = {s.role for s in load_spans(uow.session, person.id)[0]}
    return held + [r for r in ROLES if r in served and r not in held]


def _today(svc: Services) -> date:
    return svc.clock.now().astimezone(svc.policy.tz).date()


def subject_in(svc: Services, uow: UnitOfWork, person: Person, code: str | None,
               role: str | None = None) -> Subject:
    roles = [role] if role else _roles(uow, person)
    if not roles or any(r not in ROLES for r in roles):
        raise ServiceError("eval.not_staff", name=person.name)
    cycles = cycles_in(uow)
    period = None
    if code is not None:
        for r in roles:
            period = period_by_code(code, cycles, r, svc.policy)
            if period is not None:
                break
        if period is None:
            known = [p.code for r in roles for p in periods_of(cycles, r, svc.policy)]
            raise ServiceError("eval.bad_period", value=code,
                               known="、".join(dict.fromkeys(known)) or "-")
    else:
        period = default_period(cycles, roles[0], _today(svc), svc.policy)
        if period is None:
            raise ServiceError("eval.no_cycle")
    return Subject(person.id, person.name, person.unit, period.role, period)


def subject(svc: Services, person: str | int, code: str | None = None,
            role: str | None = None) -> Subject:
    """Whom (a name, a phone, or a person id) and which period (a code, or the default)."""
    with svc.uow() as uow:
        found = uow.people.get(person) if isinstance(person, int) else find_person(uow, person)
        if found is None:
            raise ServiceError("visit.stale_button")
        return subject_in(svc, uow, found, code, role)


# ── the pack ──────────────────────────────────────────────────────────


def _visit_confirmation(statuses: Iterable[str]) -> str:
    """One visit's confirmation, from its contacts' answers (withdrawn ones left out)."""
    found = set(statuses)
    for state in ("disputed", "confirmed", "pending"):
        if state in found:
            return state
    return "none"


def _local_day(at: datetime, svc: Services) -> date:
    return at.astimezone(svc.policy.tz).date()


def _period_instants(svc: Services, period: EvaluationPeriod) -> tuple[datetime, datetime]:
    tz = svc.policy.tz
    start = datetime.combine(period.start, time(0), tz)
    end = datetime.combine(period.end, time(23, 59, 59, 999999), tz)
    return start, end


def _deadlines(svc: Services, asked: datetime) -> tuple[datetime, datetime]:
    rules, tz = svc.policy.consultation, str(svc.policy.tz)
    local = asked.astimezone(svc.policy.tz)
    return (add_working_days(local, rules.claim_within_working_days, tz=tz),
            add_working_days(local, rules.answer_within_working_days, tz=tz))


_FIELD_NAMES = {"latitude": "location", "longitude": "location", "location_live": "location"}


def changed_fields(details: dict[str, Any]) -> tuple[str, ...]:
    """The fields a ``visit.edit`` audit entry records as changed (the location once)."""
    names = [_FIELD_NAMES.get(k, k) for k in details if k not in (
        "confirmation_reset", "number", "summary_before")]
    return tuple(dict.fromkeys(names))


def pack_input(svc: Services, sub: Subject) -> PackInput:
    """Everything the evaluation pack of ``sub`` shows, as of now."""
    now = svc.clock.now()
    today = now.astimezone(svc.policy.tz).date()
    period = sub.period
    with svc.uow() as uow:
        s = uow.session
        spans, info = load_spans(s, sub.person_id)
        spans = [sp for sp in spans if sp.role == sub.role]
        ids = [int(sp.assignment_id) for sp in spans]
        names = {int(sp.assignment_id): sp.target_name for sp in spans}
        rows = list(s.execute(select(
            Visit.id, Visit.number, Visit.assignment_id, Visit.visit_date, Visit.created_at,
            Visit.mode, Visit.tasks, Visit.summary, Visit.deleted_at)
            .where(Visit.assignment_id.in_(ids), Visit.visit_date >= period.start,
                   Visit.visit_date <= period.end)
            .order_by(Visit.visit_date, Visit.id))) if ids else []
        live = [r for r in rows if r.deleted_at is None]
        visit_ids = [r.id for r in rows]
        outcomes = window_outcomes(
            spans, [RecordedVisit(r.assignment_id, r.visit_date, _local_day(r.created_at, svc),
                                  r.mode) for r in live],
            period.start, period.end, today, svc.policy)
        windows = tuple(PackWindow(
            o.target_name, info[int(o.assignment_id)].city or None,
            info[int(o.assignment_id)].county or None, o.window_start, o.window_end,
            o.required, o.counted, o.counted_on_time, o.state, o.last_visit) for o in outcomes)
        confirmations: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
        conf_rows = []
        by_id = {r.id: r for r in rows}
        if visit_ids:
            for c, contact in s.execute(
                    select(VisitConfirmation, EntityContact.name)
                    .join(EntityContact, EntityContact.id == VisitConfirmation.contact_id)
                    .where(VisitConfirmation.visit_id.in_(visit_ids),
                           VisitConfirmation.status != "withdrawn")
                    .order_by(VisitConfirmation.visit_id, VisitConfirmation.id)):
                v = by_id[c.visit_id]
                if v.deleted_at is not None:
                    continue
                confirmations[c.visit_id].append((c.status, c.rating))
                conf_rows.append(PackConfirmation(
                    v.number or "", v.visit_date, names[v.assignment_id], contact, c.status,
                    c.rating, c.comment, c.answered_at))
        cases = dict(s.execute(select(TypicalCase.visit_id, TypicalCase.highlight).where(
            TypicalCase.visit_id.in_(visit_ids))).all()) if visit_ids else {}
        visits = tuple(PackVisit(
            r.number or "", r.visit_date, r.created_at, names[r.assignment_id], r.mode,
            tuple(r.tasks or ()), r.summary,
            _visit_confirmation(st for st, _ in confirmations.get(r.id, ())),
            tuple(rt for _, rt in confirmations.get(r.id, ()) if rt is not None),
            cases.get(r.id)) for r in live)
        followups = tuple(PackFollowUp(
            by_id[f.visit_id].number or "", names[by_id[f.visit_id].assignment_id], f.text,
            f.status, f.created_at, f.resolved_at)
            for f in s.scalars(select(FollowUp).where(
                FollowUp.visit_id.in_(visit_ids), FollowUp.owner_id == sub.person_id)
                .order_by(FollowUp.created_at, FollowUp.id))) if visit_ids else ()
        changes = tuple(PackChange(
            a.at, by_id[a.object_id].number or str(a.details.get("number") or ""),
            "edit" if a.action == "visit.edit" else "delete",
            changed_fields(a.details) if a.action == "visit.edit" else (), a.note)
            for a in s.scalars(select(AuditEntry).where(
                AuditEntry.object_type == "visit", AuditEntry.object_id.in_(visit_ids),
                AuditEntry.action.in_(("visit.edit", "visit.delete")))
                .order_by(AuditEntry.at, AuditEntry.id))) if visit_ids else ()
        consultations = _consultations(svc, s, sub.person_id, period) \
            if sub.role == "commissioner" else ()
        record, history = _record(svc, uow, sub)
    return PackInput(
        sub.name, sub.unit, sub.role, period.code, period.start, period.end,
        now.astimezone(svc.policy.tz), svc.policy.role(sub.role).tasks, svc.policy.grades,
        windows, visits, tuple(conf_rows), consultations, followups, changes, record, history)


def _consultations(svc: Services, s: Any, person_id: int, period: EvaluationPeriod
                   ) -> tuple[PackConsultation, ...]:
    """Consultations the person claimed, asked within the period."""
    start, end = _period_instants(svc, period)
    rows = list(s.scalars(select(Consultation).where(
        Consultation.owner_id == person_id, Consultation.created_at >= start,
        Consultation.created_at <= end).order_by(Consultation.created_at)))
    if not rows:
        return ()
    first: dict[int, datetime] = {}
    for cid, at in s.execute(select(ConsultationMessage.consultation_id, ConsultationMessage.at)
                             .where(ConsultationMessage.consultation_id.in_([r.id for r in rows]),
                                    ConsultationMessage.sender == "owner")
                             .order_by(ConsultationMessage.at)):
        first.setdefault(cid, at)
    out = []
    for c in rows:
        claim_by, answer_by = _deadlines(svc, c.created_at)
        out.append(PackConsultation(c.id, c.entity.name, c.created_at, c.claimed_at,
                                    first.get(c.id), claim_by, answer_by, c.status, c.solved,
                                    c.rating))
    return tuple(out)


def _record(svc: Services, uow: UnitOfWork, sub: Subject
            ) -> tuple[PackRecord | None, tuple[PackRecordChange, ...]]:
    row = _evaluation(uow, sub)
    if row is None:
        return None, ()
    grade = _grade_def(svc, row.grade)
    record = PackRecord(grade, row.comment, row.recorder.name, row.recorded_at, row.updated_at)
    history = []
    for a in uow.audit.entries_of("evaluation", row.id):
        grade_from, grade_to = a.details.get("grade") or (None, None)
        comment = a.details.get("comment") or (None, None)
        history.append(PackRecordChange(a.at, _actor_name(uow, a.actor), grade_from, grade_to,
                                        comment[0], comment[1], a.note))
    return record, tuple(history)


def _actor_name(uow: UnitOfWork, actor: str) -> str:
    kind, _, ref = actor.partition(":")
    if kind == "person" and ref.isdigit():
        person = uow.people.get(int(ref))
        if person is not None:
            return person.name
    return actor


def _grade_def(svc: Services, key: str) -> GradeDef:
    """The grade of a stored key (a key no longer in the policy shows as it is)."""
    found = next((g for g in svc.policy.grades if g.key == key), None)
    return found or GradeDef(key=key, zh=key, en=key)


def _evaluation(uow: UnitOfWork, sub: Subject) -> Evaluation | None:
    return uow.session.scalar(select(Evaluation).where(
        Evaluation.person_id == sub.person_id, Evaluation.role == sub.role,
        Evaluation.period_start == sub.period.start, Evaluation.period_end == sub.period.end))


# ── recording a result ────────────────────────────────────────────────


@dataclass(frozen=True)
class Recorded:
    """What became of a grade: ``recorded`` (new), ``changed``, ``unchanged``, or, in the bot,
    ``ask_reason`` (a change waits for its reason) and ``commented``."""

    outcome: str
    evaluation_id: int
    person_id: int
    person: str
    role: str
    period: str
    grade: str
    comment: str | None
    previous: str | None = None
    pending: str | None = None  # the grade a change will set, once its reason is typed


def _supervisor(uow: UnitOfWork, by: Person | None) -> Person:
    """Only a supervisor (or administrator) of the whole province records results."""
    if by is None or not ({"supervisor", "admin"} & by.role_names) \
            or by.scope_city or by.scope_county:
        raise ServiceError("eval.province_only")
    return by


def _check_period(svc: Services, uow: UnitOfWork, sub: Subject) -> None:
    if sub.period.start > _today(svc):
        raise ServiceError("eval.not_started", period=sub.period.code)
    spans = [sp for sp in load_spans(uow.session, sub.person_id)[0] if sp.role == sub.role]
    if not any(sp.active_start <= sub.period.end and sp.active_end >= sub.period.start
               for sp in spans):
        raise ServiceError("eval.not_serving", name=sub.name, period=sub.period.code)


def _grade(svc: Services, text: str) -> GradeDef:
    found = svc.policy.grade(text)
    if found is None:
        raise ServiceError("eval.bad_grade", value=text,
                           grades="、".join(g.zh for g in svc.policy.grades))
    return found


def _clean(text: str | None, limit: int, code: str) -> str | None:
    if text is None:
        return None
    value = " ".join(text.split())
    if not value:
        return None
    if len(value) > limit:
        raise ServiceError(code, max=limit)
    return value


def record(svc: Services, sub: Subject, grade: str, by: str | int, *,
           comment: str | None = None, reason: str | None = None,
           reply: Render[Recorded] | None = None) -> Done[Recorded]:
    """Record ``sub``'s result, or change it (then ``reason`` is required). Audited."""
    now = svc.clock.now()
    with svc.uow() as uow:
        who = uow.people.get(by) if isinstance(by, int) else find_person(uow, by)
        value = _record_in(svc, uow, sub, _grade(svc, grade), _supervisor(uow, who),
                           _clean(comment, 1000, "eval.comment_length"),
                           _clean(reason, 500, "eval.reason_length"), now)
        return finish(uow, now, value, reply)


def _record_in(svc: Services, uow: UnitOfWork, sub: Subject, grade: GradeDef, by: Person,
               comment: str | None, reason: str | None, now: datetime) -> Recorded:
    _check_period(svc, uow, sub)
    row = _evaluation(uow, sub)
    actor = f"person:{by.id}"
    if row is None:
        row = Evaluation(person_id=sub.person_id, role=sub.role, period_start=sub.period.start,
                         period_end=sub.period.end, grade=grade.key, comment=comment,
                         recorded_by=by.id, recorded_at=now, updated_at=now)
        uow.session.add(row)
        uow.flush()
        uow.audit.record(now, actor, "evaluation.record", "evaluation", row.id,
                         {"person": sub.name, "role": sub.role, "period": sub.period.code,
                          "grade": [None, grade.key], "comment": [None, comment]})
        return _recorded("recorded", row, sub)
    new_comment = comment if comment is not None else row.comment
    if row.grade == grade.key and row.comment == new_comment:
        return _recorded("unchanged", row, sub)
    if reason is None or len(reason) < 2:
        raise ServiceError("eval.reason_needed", grade=_grade_def(svc, row.grade).zh)
    return _change(uow, row, sub, grade.key, new_comment, reason, actor, now)


def _change(uow: UnitOfWork, row: Evaluation, sub: Subject, grade: str, comment: str | None,
            reason: str, actor: str, now: datetime) -> Recorded:
    before = row.grade
    uow.audit.record(now, actor, "evaluation.change", "evaluation", row.id,
                     {"person": sub.name, "role": sub.role, "period": sub.period.code,
                      "grade": [row.grade, grade], "comment": [row.comment, comment]},
                     note=reason)
    row.grade, row.comment, row.updated_at = grade, comment, now
    row.pending_grade = row.pending_by = None
    return replace(_recorded("changed", row, sub), previous=before)


def _recorded(outcome: str, row: Evaluation, sub: Subject) -> Recorded:
    return Recorded(outcome, row.id, sub.person_id, sub.name, sub.role, sub.period.code,
                    row.grade, row.comment, pending=row.pending_grade)


def press_grade(svc: Services, sub: Subject, grade_key: str, by_id: int, telegram_id: int, *,
                reply: Render[Recorded] | None = None) -> Done[Recorded]:
    """A grade button in /evaluation: records a first result at once; a different grade on a
    recorded result waits for the reason, which the supervisor types next."""
    now = svc.clock.now()
    with svc.uow() as uow:
        by = _supervisor(uow, uow.people.get(by_id))
        grade = next((g for g in svc.policy.grades if g.key == grade_key), None)
        if grade is None:
            raise ServiceError("visit.stale_button")
        row = _evaluation(uow, sub)
        if row is None:
            value = _record_in(svc, uow, sub, grade, by, None, None, now)
        elif row.grade == grade.key:
            value = _recorded("unchanged", row, sub)
        else:
            _check_period(svc, uow, sub)
            row.pending_grade, row.pending_by = grade.key, by.id
            uow.pending.set(telegram_id, REASON, row.id, now)
            value = replace(_recorded("ask_reason", row, sub), pending=grade.key)
        return finish(uow, now, value, reply)


def _subject_of(svc: Services, uow: UnitOfWork, row: Evaluation) -> Subject:
    every = svc.policy.role(row.role).evaluation.every
    period = EvaluationPeriod(row.role, 0, row.period_start, row.period_end,
                              period_code(row.period_start, row.period_end, every))
    return Subject(row.person_id, row.person.name, row.person.unit, row.role, period)


def typed_in(svc: Services, uow: UnitOfWork, kind: str, person_id: int, telegram_id: int,
             evaluation_id: int, text: str) -> Recorded:
    """What a supervisor typed for /evaluation: the reason of a pending change of grade
    (``eval_reason``), or the comment on a result that has none (``eval_comment``). Too
    short or too long: refused, and the bot keeps waiting for it."""
    now = svc.clock.now()
    try:
        by = _supervisor(uow, uow.people.get(person_id))
    except ServiceError:
        uow.pending.clear(telegram_id, kind, evaluation_id)
        raise
    row = uow.session.get(Evaluation, evaluation_id)
    stale = row is None or (row.pending_grade is None or row.pending_by != by.id
                            if kind == REASON else row.comment is not None)
    if stale:
        uow.pending.clear(telegram_id, kind, evaluation_id)
        raise ServiceError("visit.stale_button")
    assert row is not None
    sub = _subject_of(svc, uow, row)
    if kind == REASON:
        reason = _clean(text, 500, "eval.reason_length")
        if reason is None or len(reason) < 2:
            raise ServiceError("eval.reason_length", max=500)
        uow.pending.clear(telegram_id, kind, evaluation_id)
        assert row.pending_grade is not None
        return _change(uow, row, sub, row.pending_grade, row.comment, reason,
                       f"person:{by.id}", now)
    comment = _clean(text, 1000, "eval.comment_length")
    if comment is None:
        raise ServiceError("eval.comment_length", max=1000)
    uow.pending.clear(telegram_id, kind, evaluation_id)
    uow.audit.record(now, f"person:{by.id}", "evaluation.comment", "evaluation", row.id,
                     {"person": sub.name, "role": sub.role, "period": sub.period.code,
                      "comment": [None, comment]})
    row.comment, row.updated_at = comment, now
    return _recorded("commented", row, sub)


def ask_comment(svc: Services, sub: Subject, by_id: int, telegram_id: int, *,
                reply: Render[Recorded] | None = None) -> Done[Recorded]:
    """✍️ 评语: the supervisor's next typed text is the result's comment (while it has none;
    a later change goes with a reason: ``ipbot evaluation record … --reason``)."""
    now = svc.clock.now()
    with svc.uow() as uow:
        _supervisor(uow, uow.people.get(by_id))
        row = _evaluation(uow, sub)
        if row is None or row.comment is not None:
            raise ServiceError("visit.stale_button")
        uow.pending.set(telegram_id, COMMENT, row.id, now)
        return finish(uow, now, _recorded("ask_comment", row, sub), reply)


def result_of(svc: Services, sub: Subject) -> Recorded | None:
    with svc.uow() as uow:
        row = _evaluation(uow, sub)
        return _recorded("current", row, sub) if row is not None else None


# ── /evaluation in the bot: one read each, for the province's supervisors ──


def check_province(svc: Services, person_id: int) -> None:
    """Only supervisors (and administrators) of the whole province see evaluations."""
    with svc.uow() as uow:
        _supervisor(uow, uow.people.get(person_id))


@dataclass(frozen=True)
class Overview:
    due: list[Due]
    recorded: int
    letter_periods: list[str]  # periods with results, latest first (feedback letters)


def overview(svc: Services, person_id: int) -> Overview:
    check_province(svc, person_id)
    with svc.uow() as uow:
        rows = list(uow.session.execute(select(
            Evaluation.role, Evaluation.period_start, Evaluation.period_end).distinct()))
    periods = sorted({(end, period_code(start, end, svc.policy.role(role).evaluation.every))
                      for role, start, end in rows}, reverse=True)
    return Overview(due(svc), recorded_count(svc), [code for _end, code in periods][:3])


@dataclass(frozen=True)
class Card:
    subject: Subject
    figures: PackFigures
    result: Recorded | None


def card(svc: Services, person_id: int, sub: Subject) -> Card:
    """A person's card in /evaluation: key figures and the result."""
    check_province(svc, person_id)
    return Card(sub, pack_figures(pack_input(svc, sub)), result_of(svc, sub))


def pack_for(svc: Services, person_id: int, sub: Subject) -> PackInput:
    """The evaluation pack, for a supervisor of the province."""
    check_province(svc, person_id)
    return pack_input(svc, sub)


def letters_for(svc: Services, person_id: int, code: str) -> list[LetterInput]:
    check_province(svc, person_id)
    return letters(svc, code)


# ── who is due ────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Due:
    person_id: int
    name: str
    unit: str
    role: str
    period: str
    period_start: date
    period_end: date


def due(svc: Services) -> list[Due]:
    """Evaluations whose period has ended and that have no result yet, oldest first."""
    today = _today(svc)
    with svc.uow() as uow:
        s = uow.session
        cycles = cycles_in(uow)
        spans, _ = load_spans(s)
        done = {evaluation_key(role, pid, a, b) for pid, role, a, b in s.execute(select(
            Evaluation.person_id, Evaluation.role, Evaluation.period_start,
            Evaluation.period_end))}
        people = {p.id: (p.name, p.unit) for p in s.execute(
            select(Person.id, Person.name, Person.unit))}
    out = []
    for e in evaluations_due(spans, cycles, today, svc.policy, done):
        name, unit = people[int(e.person_id)]
        every = svc.policy.role(e.role).evaluation.every
        out.append(Due(int(e.person_id), name, unit, e.role,
                       period_code(e.period_start, e.period_end, every), e.period_start,
                       e.period_end))
    out.sort(key=lambda d: (d.period_end, d.role, d.unit, d.name))
    return out


def recorded_count(svc: Services) -> int:
    with svc.uow() as uow:
        return len(uow.session.scalars(select(Evaluation.id)).all())


# ── feedback letters ──────────────────────────────────────────────────


def letters(svc: Services, code: str) -> list[LetterInput]:
    """One letter per dispatching unit for the period ``code`` (of whichever role has it),
    listing the unit's people who served in it, with their grade and key figures."""
    now = svc.clock.now()
    today = now.astimezone(svc.policy.tz).date()
    with svc.uow() as uow:
        cycles = cycles_in(uow)
        periods = [p for r in ROLES if (p := period_by_code(code, cycles, r, svc.policy))]
        if not periods:
            known = [p.code for r in ROLES for p in periods_of(cycles, r, svc.policy)]
            raise ServiceError("eval.bad_period", value=code,
                               known="、".join(dict.fromkeys(known)) or "-")
        spans_all, _ = load_spans(uow.session)
        out = []
        for period in periods:
            spans = [sp for sp in spans_all if sp.role == period.role
                     and sp.active_start <= period.end and sp.active_end >= period.start]
            figures = _bulk_figures(svc, uow, spans, period, today)
            grades = {pid: (grade, comment) for pid, grade, comment in uow.session.execute(
                select(Evaluation.person_id, Evaluation.grade, Evaluation.comment).where(
                    Evaluation.role == period.role, Evaluation.period_start == period.start,
                    Evaluation.period_end == period.end))}
            people = {pid: (name, unit) for pid, name, unit in uow.session.execute(
                select(Person.id, Person.name, Person.unit))}
            units: dict[str, list[LetterPerson]] = defaultdict(list)
            for pid, fig in figures.items():
                name, unit = people[pid]
                grade, comment = grades.get(pid, (None, None))
                units[unit].append(LetterPerson(
                    name, grade, comment, fig.visits, fig.on_site, fig.windows_met,
                    fig.windows_total, fig.confirmed, fig.disputed, fig.rating_avg,
                    fig.consultations, fig.answered_on_time))
            for unit, rows in sorted(units.items()):
                rows.sort(key=lambda r: r.name)
                out.append(LetterInput(unit, period.role, period.code, period.start, period.end,
                                       now.astimezone(svc.policy.tz), svc.policy.grades,
                                       tuple(rows)))
        return out


def _bulk_figures(svc: Services, uow: UnitOfWork, spans: Sequence[AssignmentSpan],
                  period: EvaluationPeriod, today: date) -> dict[int, PackFigures]:
    """The pack's key figures of everyone in ``spans`` at once (the letters' table); the
    same rules as :func:`pack_input`, read in bulk."""
    s = uow.session
    by_person: dict[int, list[AssignmentSpan]] = defaultdict(list)
    for sp in spans:
        by_person[int(sp.person_id)].append(sp)
    ids = [int(sp.assignment_id) for sp in spans]
    visits: dict[int, list[Any]] = defaultdict(list)
    owner = {int(sp.assignment_id): int(sp.person_id) for sp in spans}
    rows = []
    for chunk in _chunks(ids, 900):
        rows += list(s.execute(select(
            Visit.id, Visit.assignment_id, Visit.visit_date, Visit.created_at, Visit.mode,
            Visit.tasks).where(Visit.assignment_id.in_(chunk), Visit.deleted_at.is_(None),
                               Visit.visit_date >= period.start,
                               Visit.visit_date <= period.end)))
    for r in rows:
        visits[owner[r.assignment_id]].append(r)
    statuses: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    for chunk in _chunks([r.id for r in rows], 900):
        for vid, status, rating in s.execute(select(
                VisitConfirmation.visit_id, VisitConfirmation.status, VisitConfirmation.rating)
                .where(VisitConfirmation.visit_id.in_(chunk),
                       VisitConfirmation.status != "withdrawn")):
            statuses[vid].append((status, rating))
    out = {}
    tasks = svc.policy.role(period.role).tasks
    for pid, pspans in by_person.items():
        mine = visits.get(pid, [])
        outcomes = window_outcomes(pspans, [RecordedVisit(
            r.assignment_id, r.visit_date, _local_day(r.created_at, svc), r.mode)
            for r in mine], period.start, period.end, today, svc.policy)
        consultations = _consultations(svc, s, pid, period) \
            if period.role == "commissioner" else ()
        inp = PackInput(
            "", "", period.role, period.code, period.start, period.end,
            svc.clock.now(), tasks, svc.policy.grades,
            windows=tuple(PackWindow(o.target_name, None, None, o.window_start, o.window_end,
                                     o.required, o.counted, o.counted_on_time, o.state,
                                     o.last_visit) for o in outcomes),
            visits=tuple(PackVisit(
                "", r.visit_date, r.created_at, "", r.mode, tuple(r.tasks or ()), "",
                _visit_confirmation(st for st, _ in statuses.get(r.id, ())),
                tuple(rt for _, rt in statuses.get(r.id, ()) if rt is not None), None)
                for r in mine),
            consultations=consultations)
        out[pid] = pack_figures(inp)
    return out


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]
