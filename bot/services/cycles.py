"""Service cycles (服务周期): two years by default; cycles never overlap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store.models import Cycle


@dataclass(frozen=True)
class CycleView:
    id: int
    start: date
    end: date


def cycle_end(start: date, years: int) -> date:
    """The last day of a cycle of ``years`` starting on ``start`` (29 Feb → 28 Feb)."""
    try:
        after = start.replace(year=start.year + years)
    except ValueError:
        after = start.replace(year=start.year + years, day=28) + timedelta(days=1)
    return after - timedelta(days=1)


def create(svc: Services, start: date, years: int, actor: str) -> CycleView:
    if not 1 <= years <= 10:
        raise ServiceError("cycle.bad_years", years=years)
    end = cycle_end(start, years)
    with svc.uow() as uow:
        for other in uow.cycles.all():
            if other.start_date <= end and start <= other.end_date:
                raise ServiceError("cycle.overlap", start=other.start_date, end=other.end_date)
        cycle = Cycle(start_date=start, end_date=end, created_at=svc.clock.now())
        uow.cycles.add(cycle)
        uow.flush()
        uow.audit.record(svc.clock.now(), actor, "cycle.create", "cycle", cycle.id,
                         {"start": str(start), "end": str(end)})
        uow.commit()
        return CycleView(cycle.id, start, end)


def list_all(svc: Services) -> list[CycleView]:
    with svc.uow() as uow:
        return [CycleView(c.id, c.start_date, c.end_date) for c in uow.cycles.all()]
