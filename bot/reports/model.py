"""Inputs of the supervisor digest: plain frozen rows that the service layer fills.

Nothing here knows about the database or Telegram. Every row carries the ``city`` and
``county`` it belongs to, so that :meth:`Scope.contains` can decide whether a supervisor
sees it. Dates are local calendar dates (Asia/Shanghai); datetimes are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

ScopeLevel = Literal["province", "city", "county"]
RoleName = Literal["commissioner", "envoy"]
ObligationStateName = Literal["met", "due", "overdue", "waived", "upcoming"]
#: Visit modes in display order; rows may carry other values, which are shown as they are.
MODES: tuple[str, ...] = ("on_site", "phone", "video", "online")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a supervisor oversees: the province, one city, or one county."""

    level: ScopeLevel
    city: str | None = None
    county: str | None = None

    def __post_init__(self) -> None:
        if self.level not in ("province", "city", "county"):
            raise ValueError(f"unknown scope level {self.level!r}")
        if self.level == "city" and not self.city:
            raise ValueError("a city scope needs a city")
        if self.level == "county" and not self.county:
            raise ValueError("a county scope needs a county")

    def contains(self, city: str | None, county: str | None) -> bool:
        """Whether a row located in ``city``/``county`` is within this scope.

        County names repeat across cities (普陀区), so a county scope that names its city
        also requires the row's city to match when the row has one.
        """
        if self.level == "province":
            return True
        if self.level == "city":
            return city == self.city
        if county != self.county:
            return False
        return self.city is None or city is None or city == self.city


@dataclass(frozen=True, slots=True)
class ObligationRow:
    """One obligation window of one assignment (see ``scheduler.obligations``)."""

    person: str
    role: RoleName
    target: str  # the served entity (commissioner) or region (envoy)
    city: str | None
    county: str | None
    window_start: date
    window_end: date
    state: ObligationStateName
    days_left: int | None  # for "due": deadline - today (0 on the last day)
    counted: int
    required: int
    last_visit: date | None


@dataclass(frozen=True, slots=True)
class VisitRow:
    """A recorded visit (any mode)."""

    number: str
    person: str
    role: RoleName
    target: str
    city: str | None
    county: str | None
    visit_date: date
    mode: str  # one of MODES


@dataclass(frozen=True, slots=True)
class DisputeRow:
    """A visit that the served entity disputed."""

    number: str
    person: str
    target: str
    city: str | None
    county: str | None
    visit_date: date
    comment: str | None


@dataclass(frozen=True, slots=True)
class FollowUpRow:
    """An open follow-up item of a visit (the service passes open items only)."""

    visit_number: str
    owner: str
    target: str
    city: str | None
    county: str | None
    text: str
    created: datetime


@dataclass(frozen=True, slots=True)
class UnboundRow:
    """A staff member whose roster entry has no Telegram account yet."""

    name: str
    role: RoleName
    unit: str | None
    city: str | None
    county: str | None


@dataclass(frozen=True, slots=True)
class UnservedRow:
    """An entity or region in the pool that nobody serves today (roster lifecycle)."""

    kind: Literal["entity", "region"]
    target: str
    city: str | None
    county: str | None


@dataclass(frozen=True, slots=True)
class ConsultationRow:
    """A consultation forwarded to staff.

    ``state`` is decided by the service layer, which knows the policy's working-day limits
    and the holiday calendar; the digest lists the rows whose state is ``"overdue"``
    (unanswered past the limit).
    """

    asker: str
    entity: str
    city: str | None
    county: str | None
    asked_at: datetime
    question: str
    state: str  # "open" | "claimed" | "answered" | "closed" | "overdue"


@dataclass(frozen=True, slots=True)
class AdjustRow:
    """需调整: a person whose latest evaluation gave the lowest grade, still serving.

    One row per place the person serves (so that scoping keeps them where they serve);
    :func:`~bot.reports.digest.build_digest` lists each person once.
    """

    person: str
    role: RoleName
    unit: str | None
    city: str | None
    county: str | None
    period: str  # the evaluation period's label (2026年度, 2026–2027周期)
    grade: str  # the grade's name in the digest's language
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class DigestInput:
    """Everything one digest is made of, before scoping.

    ``obligations`` are the windows of the period named by ``period_label`` (typically
    ``scheduler.obligations.current_states``: the current windows plus past overdue ones).
    ``consultations=None`` leaves the consultation section out entirely; an empty tuple
    shows it as empty. ``now`` is the injected instant in the local time zone
    (Asia/Shanghai): "today", the visit window and every shown time follow its ``tzinfo``.
    """

    scope: Scope
    now: datetime
    period_label: str
    obligations: tuple[ObligationRow, ...] = ()
    visits: tuple[VisitRow, ...] = ()
    disputes: tuple[DisputeRow, ...] = ()
    followups: tuple[FollowUpRow, ...] = ()
    unbound: tuple[UnboundRow, ...] = ()
    consultations: tuple[ConsultationRow, ...] | None = None
    unserved: tuple[UnservedRow, ...] = ()
    adjust: tuple[AdjustRow, ...] = ()

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("DigestInput.now must be timezone-aware")
