"""Obligations from the database: load assignments and visits as plain rows, hand them to the
pure engine (``scheduler.obligations``), and return what people and supervisors see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from bot.services.container import Services
from bot.store.models import Assignment, Cycle, Entity, Region, Visit
from scheduler.obligations import (
    AssignmentSpan,
    ObligationState,
    VisitFact,
    current_states,
)

_ORDER = {"overdue": 0, "due": 1, "upcoming": 2, "met": 3, "waived": 4}


@dataclass(frozen=True)
class SpanInfo:
    """What the engine does not carry but people need: where the target is."""

    city: str
    county: str


def _span_rows() -> Any:
    ent, reg = aliased(Entity), aliased(Region)
    return (
        select(Assignment.id, Assignment.person_id, Assignment.role,
               Assignment.entity_id, Assignment.region_id, Assignment.start_date,
               Assignment.end_date, Cycle.start_date, Cycle.end_date,
               ent.name, ent.city, ent.county, reg.county, reg.city)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .outerjoin(ent, ent.id == Assignment.entity_id)
        .outerjoin(reg, reg.id == Assignment.region_id)
    )


# Built once (each submitted visit reads its person's spans): building a statement with
# its aliases costs more than running it.
_ALL_SPANS = _span_rows()
_SPANS_OF = _span_rows().where(Assignment.person_id == bindparam("person_id"))


def load_spans(session: Session, person_id: int | None = None
               ) -> tuple[list[AssignmentSpan], dict[int, SpanInfo]]:
    rows = (session.execute(_ALL_SPANS) if person_id is None
            else session.execute(_SPANS_OF, {"person_id": person_id}))
    spans, info = [], {}
    for (aid, pid, role, eid, rid, start, end, cstart, cend, ename, ecity, ecounty,
         rcounty, rcity) in rows:
        spans.append(AssignmentSpan(aid, pid, role, eid or rid, ename or rcounty, start, end,
                                    cstart, cend))
        info[aid] = SpanInfo(ecity or rcity or "", ecounty or rcounty or "")
    return spans, info


_ALL_VISITS = select(Visit.assignment_id, Visit.visit_date, Visit.mode).where(
    Visit.deleted_at.is_(None))
_VISITS_OF = _ALL_VISITS.where(Visit.assignment_id.in_(bindparam("ids", expanding=True)))


def load_visits(session: Session, tz: ZoneInfo, assignment_ids: Iterable[int] | None = None
                ) -> list[VisitFact]:
    """Visits as facts; a visit's local date is what counts, so it stands at local noon."""
    rows = (session.execute(_ALL_VISITS) if assignment_ids is None
            else session.execute(_VISITS_OF, {"ids": list(assignment_ids)}))
    noon = time(12, tzinfo=tz)
    instants: dict[date, datetime] = {}  # visits fall on a few hundred distinct days

    def instant(day: date) -> datetime:
        found = instants.get(day)
        if found is None:
            found = instants[day] = datetime.combine(day, noon)
        return found

    return [VisitFact(aid, instant(day), mode) for aid, day, mode in rows]


def states(svc: Services, at: datetime, person_id: int | None = None
           ) -> tuple[list[ObligationState], dict[int, SpanInfo]]:
    """Current windows (and past overdue ones) of everyone, or of one person."""
    with svc.uow() as uow:
        return states_in(uow.session, svc, at, person_id)


def states_in(session: Session, svc: Services, at: datetime, person_id: int | None = None
              ) -> tuple[list[ObligationState], dict[int, SpanInfo]]:
    """As :func:`states`, inside an open session (it sees what that session has not
    committed yet: the visit being submitted)."""
    spans, info = load_spans(session, person_id)
    ids = [s.assignment_id for s in spans] if person_id is not None else None
    visits = load_visits(session, svc.policy.tz, ids)  # type: ignore[arg-type]
    return current_states(spans, visits, at, svc.policy), info


@dataclass(frozen=True)
class StatusLine:
    assignment_id: int
    role: str
    target: str
    state: str
    window_start: date
    window_end: date
    days_left: int | None
    counted: int
    required: int
    visits_this_period: int
    last_visit: date | None

    def as_dict(self) -> dict[str, object]:
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in self.__dict__.items()}


def status(svc: Services, person_id: int, at: datetime) -> list[StatusLine]:
    """The person's obligations this period, overdue first, then by days left."""
    with svc.uow() as uow:
        return status_in(uow.session, svc, person_id, at)


def status_in(session: Session, svc: Services, person_id: int, at: datetime
              ) -> list[StatusLine]:
    found, _info = states_in(session, svc, at, person_id)
    tz = svc.policy.tz
    lines = [StatusLine(
        int(s.assignment_id), s.role, s.target_name, s.state, s.window_start, s.window_end,
        s.days_left, s.counted, s.required, s.visits_this_period,
        s.last_visit.astimezone(tz).date() if s.last_visit else None) for s in found]
    lines.sort(key=lambda x: (_ORDER[x.state], x.days_left if x.days_left is not None else 10**6,
                              x.window_start, x.target))
    return lines


def effect_of_visit(session: Session, svc: Services, person_id: int, assignment_id: int,
                    at: datetime) -> StatusLine | None:
    """The state of the assignment's current window after a visit (for the reply)."""
    return next((line for line in status_in(session, svc, person_id, at)
                 if line.assignment_id == assignment_id and line.state != "overdue"), None)
