"""Repositories: queries and additions for one aggregate each. They never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from bot.store.models import (
    Assignment,
    AuditEntry,
    Cycle,
    Entity,
    EntityContact,
    Invite,
    Person,
    PersonRole,
    Region,
    UserPref,
)


class _Repo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Any) -> None:
        self.session.add(obj)


# Who sent an update, for a batch of Telegram ids: narrow rows, statements built once (they
# run for every batch of updates received).
_IDS = bindparam("ids", expanding=True)
_PEOPLE_BY_TELEGRAM = (
    select(Person.telegram_id, Person.id, Person.name, Person.language, Person.left_on,
           Person.scope_city, Person.scope_county, Person.unit, PersonRole.role)
    .outerjoin(PersonRole, PersonRole.person_id == Person.id)
    .where(Person.telegram_id.in_(_IDS)))
_CONTACTS_BY_TELEGRAM = (
    select(EntityContact.telegram_id, EntityContact.id, EntityContact.name,
           EntityContact.language, EntityContact.entity_id, Entity.name.label("entity_name"),
           EntityContact.region_id, Region.county.label("region_name"))
    .outerjoin(Entity, Entity.id == EntityContact.entity_id)
    .outerjoin(Region, Region.id == EntityContact.region_id)
    .where(EntityContact.telegram_id.in_(_IDS)))
_PREF_LANGUAGES = select(UserPref.telegram_id, UserPref.language).where(
    UserPref.telegram_id.in_(_IDS))


class People(_Repo):
    def identities(self, telegram_ids: Sequence[int]) -> Sequence[Any]:
        """One row per (person, role) bound to one of ``telegram_ids`` (role None: none)."""
        return self.session.execute(_PEOPLE_BY_TELEGRAM, {"ids": list(telegram_ids)}).all()

    def get(self, person_id: int) -> Person | None:
        return self.session.get(Person, person_id)

    def by_phone(self, phone: str) -> Person | None:
        return self.session.scalar(select(Person).where(Person.phone == phone))

    def by_name_unit(self, name: str, unit: str) -> Person | None:
        return self.session.scalar(select(Person).where(Person.name == name, Person.unit == unit))

    def by_name(self, name: str) -> Sequence[Person]:
        return self.session.scalars(select(Person).where(Person.name == name)).all()

    def find(self, text: str) -> Sequence[Person]:
        """People whose phone or name is exactly ``text``."""
        return self.session.scalars(
            select(Person).where(or_(Person.phone == text, Person.name == text))
        ).all()

    def by_telegram(self, telegram_id: int) -> Person | None:
        return self.session.scalar(select(Person).where(Person.telegram_id == telegram_id))

    def all(self) -> Sequence[Person]:
        return self.session.scalars(select(Person).order_by(Person.id)).all()

    def with_roles(self, *roles: str) -> Sequence[Person]:
        return self.session.scalars(select(Person).join(PersonRole).where(
            PersonRole.role.in_(roles)).distinct().order_by(Person.id)).all()


class Entities(_Repo):
    def get(self, entity_id: int) -> Entity | None:
        return self.session.get(Entity, entity_id)

    def by_name(self, name: str) -> Entity | None:
        return self.session.scalar(select(Entity).where(Entity.name == name))

    def by_credit_code(self, code: str) -> Entity | None:
        return self.session.scalar(select(Entity).where(Entity.credit_code == code))

    def all(self) -> Sequence[Entity]:
        return self.session.scalars(select(Entity).order_by(Entity.id)).all()


class Regions(_Repo):
    def by_county(self, county: str) -> Region | None:
        return self.session.scalar(select(Region).where(Region.county == county))

    def all(self) -> Sequence[Region]:
        return self.session.scalars(select(Region).order_by(Region.id)).all()


class Cycles(_Repo):
    def by_start(self, start: date) -> Cycle | None:
        return self.session.scalar(select(Cycle).where(Cycle.start_date == start))

    def containing(self, day: date) -> Cycle | None:
        return self.session.scalar(
            select(Cycle)
            .where(Cycle.start_date <= day, Cycle.end_date >= day)
            .order_by(Cycle.start_date.desc())
        )

    def all(self) -> Sequence[Cycle]:
        return self.session.scalars(select(Cycle).order_by(Cycle.start_date)).all()

    def get(self, cycle_id: int) -> Cycle | None:
        return self.session.get(Cycle, cycle_id)


class Assignments(_Repo):
    def get(self, assignment_id: int) -> Assignment | None:
        return self.session.get(Assignment, assignment_id)

    def of_pair(self, person_id: int, entity_id: int | None, region_id: int | None,
                cycle_id: int | None = None) -> Sequence[Assignment]:
        """A person's assignments to one entity or region (in one cycle), earliest first."""
        query = select(Assignment).where(
            Assignment.person_id == person_id,
            Assignment.entity_id.is_(None) if entity_id is None
            else Assignment.entity_id == entity_id,
            Assignment.region_id.is_(None) if region_id is None
            else Assignment.region_id == region_id,
        )
        if cycle_id is not None:
            query = query.where(Assignment.cycle_id == cycle_id)
        return self.session.scalars(query.order_by(Assignment.start_date)).all()

    def of_person(self, person_id: int) -> Sequence[Assignment]:
        return self.session.scalars(select(Assignment).where(
            Assignment.person_id == person_id).order_by(Assignment.start_date,
                                                        Assignment.id)).all()

    def overlapping(self, role: str, person_id: int, entity_id: int | None,
                    region_id: int | None, start: date, end: date,
                    exclude: int | None = None) -> Sequence[Assignment]:
        """Ranges that share a day with ``start .. end`` and the region, the envoy or the
        commissioner↔entity pair (candidates; ``bot.domain.assignments.conflict`` names the
        rule)."""
        same = [Assignment.region_id == region_id] if region_id is not None else []
        if role == "envoy":
            same.append((Assignment.role == "envoy") & (Assignment.person_id == person_id))
        if entity_id is not None:
            same.append((Assignment.entity_id == entity_id)
                        & (Assignment.person_id == person_id))
        query = select(Assignment).where(
            Assignment.start_date <= end, Assignment.end_date >= start, or_(*same))
        if exclude is not None:
            query = query.where(Assignment.id != exclude)
        return self.session.scalars(query.order_by(Assignment.start_date)).all()

    def covering(self, day: date, *, entity_id: int | None = None,
                 region_id: int | None = None) -> Sequence[Assignment]:
        """Who serves the entity or region on ``day``."""
        query = select(Assignment).where(Assignment.start_date <= day,
                                         Assignment.end_date >= day)
        if entity_id is not None:
            query = query.where(Assignment.entity_id == entity_id)
        else:
            query = query.where(Assignment.region_id == region_id)
        return self.session.scalars(query.order_by(Assignment.id)).all()

    def on(self, day: date) -> Sequence[Assignment]:
        """Every assignment running on ``day``."""
        return self.session.scalars(select(Assignment).where(
            Assignment.start_date <= day, Assignment.end_date >= day)
            .order_by(Assignment.id)).all()

    def in_cycle(self, cycle_id: int) -> Sequence[Assignment]:
        return self.session.scalars(select(Assignment).where(
            Assignment.cycle_id == cycle_id).order_by(Assignment.id)).all()

    def active_for_person(self, person_id: int, day: date) -> Sequence[Assignment]:
        return self.session.scalars(
            select(Assignment)
            .join(Cycle)
            .where(
                Assignment.person_id == person_id,
                Assignment.start_date <= day,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= day),
                Cycle.start_date <= day,
                Cycle.end_date >= day,
            )
            .order_by(Assignment.id)
        ).all()

    def commissioners_of(self, entity_id: int, day: date) -> Sequence[Assignment]:
        return self.session.scalars(
            select(Assignment)
            .join(Cycle)
            .where(
                Assignment.entity_id == entity_id,
                Assignment.start_date <= day,
                or_(Assignment.end_date.is_(None), Assignment.end_date >= day),
                Cycle.start_date <= day,
                Cycle.end_date >= day,
            )
        ).all()


class Contacts(_Repo):
    def identities(self, telegram_ids: Sequence[int]) -> Sequence[Any]:
        """Contacts bound to ``telegram_ids``, with their entity's or region's name."""
        return self.session.execute(_CONTACTS_BY_TELEGRAM, {"ids": list(telegram_ids)}).all()

    def by_telegram(self, telegram_id: int) -> EntityContact | None:
        return self.session.scalar(
            select(EntityContact).where(EntityContact.telegram_id == telegram_id)
        )


class Invites(_Repo):
    def by_code(self, code: str) -> Invite | None:
        return self.session.scalar(select(Invite).where(Invite.code == code))


class Prefs(_Repo):
    def languages(self, telegram_ids: Sequence[int]) -> dict[int, str]:
        return dict(self.session.execute(_PREF_LANGUAGES, {"ids": list(telegram_ids)}).all())

    def get(self, telegram_id: int) -> UserPref | None:
        return self.session.get(UserPref, telegram_id)


class Audit(_Repo):
    def record(
        self,
        at: datetime,
        actor: str,
        action: str,
        object_type: str,
        object_id: int | None,
        details: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=at,
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                details=details or {},
                note=note,
            )
        )

    def entries(self, object_type: str | None = None) -> Sequence[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if object_type:
            query = query.where(AuditEntry.object_type == object_type)
        return self.session.scalars(query).all()

    def entries_of(self, object_type: str, object_id: int) -> Sequence[AuditEntry]:
        """The audit trail of one record, oldest first."""
        return self.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == object_type,
                                     AuditEntry.object_id == object_id)
            .order_by(AuditEntry.at, AuditEntry.id)).all()
