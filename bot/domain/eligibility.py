"""Who may serve (seed 004, 二（一）1): in-service staff with an IP-related degree, or with at
least N years of IP work (commissioners 2, envoys 5)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.vocab import Role

DEFAULT_MIN_YEARS: Mapping[Role, float] = {Role.COMMISSIONER: 2, Role.ENVOY: 5}


@dataclass(frozen=True)
class Qualifications:
    in_service: bool
    ip_degree: bool
    experience_years: float


@dataclass(frozen=True)
class Ineligible:
    """Why a person may not take a role: a catalog key and its values."""

    code: str
    role: Role
    min_years: float


def check(
    role: Role, q: Qualifications, min_years: Mapping[Role, float] = DEFAULT_MIN_YEARS
) -> Ineligible | None:
    """None when ``q`` qualifies for ``role``; otherwise the reason."""
    if role not in min_years:
        return None
    need = min_years[role]
    if not q.in_service:
        return Ineligible("roster.not_in_service", role, need)
    if not q.ip_degree and q.experience_years < need:
        return Ineligible("roster.not_qualified", role, need)
    return None
