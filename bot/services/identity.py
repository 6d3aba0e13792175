"""Who is talking: a bound person, a contact (of an entity or of a region), or a guest;
binding by invite code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.domain.vocab import Role
from bot.i18n import normalize_language
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store.models import EntityContact, Invite, Person, UserPref
from bot.store.uow import UnitOfWork

# A Telegram name is up to 64 + 1 + 64 characters; PostgreSQL enforces the column's length.
NAME_MAX: int = EntityContact.__table__.c.name.type.length  # type: ignore[attr-defined]


class ActorKind(StrEnum):
    PERSON = "person"
    CONTACT = "contact"
    GUEST = "guest"


@dataclass(frozen=True)
class TelegramUser:
    id: int
    full_name: str
    language_code: str | None


@dataclass(frozen=True)
class Actor:
    telegram_id: int
    kind: ActorKind
    name: str
    language: str
    roles: frozenset[Role] = frozenset()
    person_id: int | None = None
    contact_id: int | None = None
    entity_id: int | None = None      # an entity contact's entity
    entity_name: str | None = None
    region_id: int | None = None      # a region contact's region (county IP department)
    region_name: str | None = None
    scope_city: str | None = None
    scope_county: str | None = None
    unit: str = ""

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def contact_kind(self) -> str | None:
        """A contact speaks for an ``entity`` or for a ``region``; None for anyone else."""
        if self.kind is not ActorKind.CONTACT:
            return None
        return "region" if self.region_id is not None else "entity"

    @property
    def primary_role(self) -> str:
        """The role whose menu this actor sees: the most specific one they hold."""
        for role in (Role.ADMIN, Role.SUPERVISOR, Role.COMMISSIONER, Role.ENVOY):
            if role in self.roles:
                if role in (Role.COMMISSIONER, Role.ENVOY) and len(
                    self.roles & {Role.COMMISSIONER, Role.ENVOY}) == 2:
                    return "staff"
                return role.value
        if self.contact_kind == "region":
            return "region_contact"
        return self.kind.value


def actor_in(uow: UnitOfWork, user: TelegramUser, today: date | None = None) -> Actor:
    """Who ``user`` is, read inside an open unit of work. A person who left the pool before
    ``today`` is a guest: their binding no longer grants staff commands."""
    return actors_in(uow, [user], today)[user.id]


def actors_in(uow: UnitOfWork, users: Iterable[TelegramUser], today: date | None = None
              ) -> dict[int, Actor]:
    """Who each of ``users`` is, in at most three narrow queries for the whole batch: the
    people (with their roles), then the contacts among the rest, then the rest's language."""
    by_id = {u.id: u for u in users}
    if not by_id:
        return {}
    people: dict[int, Any] = {}
    roles: dict[int, set[Role]] = {}
    for row in uow.people.identities(list(by_id)):
        people.setdefault(row.telegram_id, row)
        if row.role is not None:
            roles.setdefault(row.telegram_id, set()).add(Role(row.role))
    actors: dict[int, Actor] = {}
    rest = []
    for tid, user in by_id.items():
        p = people.get(tid)
        if p is None or (today is not None and Person.left_before(p.left_on, today)):
            rest.append(tid)
            continue
        actors[tid] = Actor(
            telegram_id=tid, kind=ActorKind.PERSON, name=p.name,
            language=p.language or normalize_language(user.language_code),
            roles=frozenset(roles.get(tid, ())), person_id=p.id, scope_city=p.scope_city,
            scope_county=p.scope_county, unit=p.unit)
    if not rest:
        return actors
    contacts = {row.telegram_id: row for row in uow.contacts.identities(rest)}
    for tid in [t for t in rest if t in contacts]:
        c, user = contacts[tid], by_id[tid]
        actors[tid] = Actor(
            telegram_id=tid, kind=ActorKind.CONTACT, name=c.name,
            language=c.language or normalize_language(user.language_code), contact_id=c.id,
            entity_id=c.entity_id, entity_name=c.entity_name, region_id=c.region_id,
            region_name=c.region_name)
    guests = [t for t in rest if t not in contacts]
    prefs = uow.prefs.languages(guests) if guests else {}
    for tid in guests:
        user, former = by_id[tid], people.get(tid)
        language = prefs.get(tid) or normalize_language(user.language_code)
        if former is not None:  # left the pool
            actors[tid] = Actor(telegram_id=tid, kind=ActorKind.GUEST, name=former.name,
                                language=former.language or language)
        else:
            actors[tid] = Actor(telegram_id=tid, kind=ActorKind.GUEST, name=user.full_name,
                                language=language)
    return actors


def today_of(svc: Services) -> date:
    return svc.clock.now().astimezone(svc.policy.tz).date()


class StaleActor(Exception):
    """The actor remembered for an update's sender is no longer who they are (a role, a
    binding, a name or a language changed since): the update is handled again, freshly."""


def confirmer(actor: Actor, user: TelegramUser, today: date,
              confirmed: Callable[[], None] | None = None) -> Callable[[UnitOfWork], None]:
    """The check an update's first unit of work runs when ``actor`` was remembered from the
    sender's previous update instead of looked up: the same narrow queries as a look-up, in
    the update's own transaction (no round trip of its own). ``confirmed`` is called when
    ``actor`` is still who they are."""

    def confirm(uow: UnitOfWork) -> None:
        if actor_in(uow, user, today) != actor:
            raise StaleActor(actor.telegram_id)
        if confirmed is not None:
            confirmed()

    return confirm


def whoami(svc: Services, user: TelegramUser) -> Actor:
    with svc.uow() as uow:
        return actor_in(uow, user, today_of(svc))


def bind(svc: Services, code: str, user: TelegramUser) -> Actor:
    """Use an invite code. Idempotent for the same Telegram user (a redelivered /start)."""
    now = svc.clock.now()
    today = today_of(svc)
    with svc.uow() as uow:
        invite = uow.invites.by_code(code.strip())
        if invite is None:
            raise ServiceError("start.code_unknown")
        if invite.used_at is not None:
            if invite.used_by == user.id:
                return actor_in(uow, user, today)
            raise ServiceError("start.code_used")
        if invite.expires_at <= now:
            raise ServiceError("start.code_expired")
        if invite.person is not None and invite.person.left_by(today):
            raise ServiceError("start.person_left", name=invite.person.name)
        current = actor_in(uow, user, today)
        if current.kind is not ActorKind.GUEST:
            raise ServiceError("start.already_bound", name=current.name)
        # Take the invite first, with a conditional update: of two people using one code at
        # once, the second waits for the first and then finds it used (on PostgreSQL too).
        taken = uow.session.execute(update(Invite).where(
            Invite.id == invite.id, Invite.used_at.is_(None)).values(used_at=now, used_by=user.id))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            uow.session.rollback()
            if invite.used_by == user.id:
                return actor_in(uow, user, today)
            raise ServiceError("start.code_used")
        if invite.person is not None:
            person = invite.person
            if person.telegram_id is not None and person.telegram_id != user.id:
                raise ServiceError("start.person_bound_elsewhere", name=person.name)
            person.telegram_id = user.id
            if person.language is None:
                pref = uow.prefs.get(user.id)
                person.language = pref.language if pref else normalize_language(
                    user.language_code)
            target = ("person", person.id)
        else:  # a contact of an entity, or of a region (a county IP department)
            assert invite.entity is not None or invite.region is not None
            contact = EntityContact(entity_id=invite.entity_id, region_id=invite.region_id,
                                    telegram_id=user.id, name=user.full_name[:NAME_MAX],
                                    created_at=now,
                                    language=normalize_language(user.language_code))
            pref = uow.prefs.get(user.id)
            if pref is not None:
                contact.language = pref.language
            uow.contacts.add(contact)
            uow.flush()
            target = ("entity_contact" if invite.entity_id else "region_contact", contact.id)
        uow.audit.record(now, f"tg:{user.id}", "invite.use", target[0], target[1],
                         {"invite": invite.id})
        try:
            uow.commit()
        except IntegrityError as exc:  # a concurrent binding of the same account won
            raise ServiceError("start.already_bound", name=user.full_name) from exc
        return actor_in(uow, user, today)


def set_language(svc: Services, user: TelegramUser, language: str) -> Actor:
    with svc.uow() as uow:
        person = uow.people.by_telegram(user.id)
        contact = uow.contacts.by_telegram(user.id) if person is None else None
        if person is not None:
            person.language = language
        elif contact is not None:
            contact.language = language
        else:
            pref = uow.prefs.get(user.id)
            if pref is None:
                uow.prefs.add(UserPref(telegram_id=user.id, language=language))
            else:
                pref.language = language
        uow.commit()
        return actor_in(uow, user, today_of(svc))
