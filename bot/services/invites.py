"""Invite codes: single use, expiring, for a person or for a contact of an entity or a
region."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store.models import Invite


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    target: str
    expires_at: datetime

    def link(self, bot_username: str) -> str:
        return f"https://t.me/{bot_username.lstrip('@')}?start={self.code}"


def new_code() -> str:
    """16 URL-safe characters: fits Telegram's deep-link alphabet and 64-character limit."""
    return secrets.token_urlsafe(12)


def issue(svc: Services, *, person: str | None = None, entity: str | None = None,
          region: str | None = None, days: int | None = None, actor: str = "cli"
          ) -> IssuedInvite:
    """An invite for a person, a contact of an entity, or a contact of a region (a county IP
    department, who confirms the envoy's visits there): exactly one of the three."""
    if sum(x is not None for x in (person, entity, region)) != 1:
        raise ServiceError("invite.person_or_entity")
    days = days or svc.settings.invite_days
    if not 1 <= days <= 365:
        raise ServiceError("invite.bad_days", days=days)
    now = svc.clock.now()
    with svc.uow() as uow:
        invite = Invite(code=new_code(), created_at=now, expires_at=now + timedelta(days=days))
        if person is not None:
            matches = uow.people.find(person.strip())
            if len(matches) != 1:
                raise ServiceError("invite.person_unknown" if not matches
                                   else "invite.person_ambiguous", value=person)
            if matches[0].left_by(now.astimezone(svc.policy.tz).date()):
                raise ServiceError("invite.person_left", name=matches[0].name,
                                   day=matches[0].left_on)
            invite.person_id, target = matches[0].id, matches[0].name
        elif entity is not None:
            found = uow.entities.by_name(entity.strip())
            if found is None:
                raise ServiceError("invite.entity_unknown", value=entity)
            invite.entity_id, target = found.id, found.name
        else:
            place = uow.regions.by_county((region or "").strip())
            if place is None:
                raise ServiceError("invite.region_unknown", value=region)
            invite.region_id, target = place.id, place.county
        uow.invites.add(invite)
        uow.flush()
        uow.audit.record(now, actor, "invite.issue", "invite", invite.id,
                         {"target": target, "expires_at": invite.expires_at.isoformat()})
        uow.commit()
        return IssuedInvite(invite.code, target, invite.expires_at)
