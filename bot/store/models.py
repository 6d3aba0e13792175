"""Typed SQLAlchemy 2 models. Schema changes go through Alembic (``bot/store/migrations``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.store import ranges
from bot.store.types import AwareDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: AwareDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


class Person(Base):
    """A member of staff: commissioner, envoy, supervisor or administrator (one or more roles)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    unit: Mapped[str] = mapped_column(String(128), default="")
    ip_degree: Mapped[bool] = mapped_column(default=False)
    experience_years: Mapped[float] = mapped_column(default=0)
    in_service: Mapped[bool] = mapped_column(default=True)
    scope_city: Mapped[str | None] = mapped_column(String(64))
    scope_county: Mapped[str | None] = mapped_column(String(64))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    language: Mapped[str | None] = mapped_column(String(8))
    # the pool (seed 004): put forward (route), reviewed, trained; left_on: the last day in
    # the pool (their assignments end then; their history stays)
    route: Mapped[str | None] = mapped_column(String(16))
    reviewed: Mapped[bool] = mapped_column(default=False)
    trained: Mapped[bool] = mapped_column(default=False)
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    roles: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("name", "unit", name="uq_people_name_unit"),
        CheckConstraint("route IS NULL OR route IN ('direct', 'tiered')", name="route"),
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)

    def left_by(self, day: date) -> bool:
        """Out of the pool on ``day`` (they left before it)."""
        return self.left_before(self.left_on, day)

    @staticmethod
    def left_before(left_on: date | None, day: date) -> bool:
        """The same rule for a narrow row that carries only ``left_on``."""
        return left_on is not None and left_on < day


class PersonRole(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    person: Mapped[Person] = relationship(back_populates="roles")

    __table_args__ = (
        CheckConstraint("role IN ('commissioner', 'envoy', 'supervisor', 'admin')", name="role"),
    )


class Entity(Base):
    """A served entity (服务对象)."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16), default="other")
    city: Mapped[str] = mapped_column(String(64), default="")
    county: Mapped[str] = mapped_column(String(64), default="")
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    route: Mapped[str | None] = mapped_column(String(16))
    reviewed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("level IN ('national', 'provincial', 'other')", name="level"),
        CheckConstraint("route IS NULL OR route IN ('direct', 'tiered')", name="route"),
    )


class Region(Base):
    """A service region (服务区域): a county."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    county: Mapped[str] = mapped_column(String(64), unique=True)
    city: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(16), default="other")
    route: Mapped[str | None] = mapped_column(String(16))
    reviewed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint("kind IN ('mountain', 'island', 'other')", name="kind"),
        CheckConstraint("route IS NULL OR route IN ('direct', 'tiered')", name="route"),
    )


class Cycle(Base):
    """A service cycle (服务周期), two years by default."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[date] = mapped_column(Date, unique=True)
    end_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]

    __table_args__ = (CheckConstraint("end_date > start_date", name="dates"),)


class Assignment(Base):
    """A service relation (服务关系): commissioner↔entity, or envoy↔region (one-to-one), from
    ``start_date`` to ``end_date`` inclusive, within its cycle.

    At any date an envoy serves one region and a region has one envoy, and a commissioner
    serves an entity through one assignment: the ranges of an envoy, of a region, and of a
    commissioner↔entity pair never overlap. The database enforces it: on PostgreSQL with
    exclusion constraints (btree_gist), on SQLite with triggers (``bot.store.ranges``; a
    migration that rebuilds this table in batch mode on SQLite must create them again).
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id", ondelete="RESTRICT"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]

    person: Mapped[Person] = relationship(lazy="joined")
    entity: Mapped[Entity | None] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")
    cycle: Mapped[Cycle] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "(role = 'commissioner' AND entity_id IS NOT NULL AND region_id IS NULL)"
            " OR (role = 'envoy' AND region_id IS NOT NULL AND entity_id IS NULL)",
            name="target",
        ),
        CheckConstraint("end_date >= start_date", name="dates"),
        # What both databases hold as plain constraints: no two ranges start on one day (for
        # a region, an envoy, a commissioner↔entity pair). Overlaps: see the docstring.
        UniqueConstraint("region_id", "start_date", name="uq_assignments_region_start"),
        UniqueConstraint("person_id", "entity_id", "start_date",
                         name="uq_assignments_pair_start"),
        Index(
            "uq_assignments_envoy_start",
            "person_id",
            "start_date",
            unique=True,
            sqlite_where=text("role = 'envoy'"),
            postgresql_where=text("role = 'envoy'"),
        ),
        Index("ix_assignments_entity_dates", "entity_id", "start_date"),
        *ranges.exclusion_constraints(),
        # an assignment may be removed (ended before it began): SQLite must not give its id
        # to another, since messages are keyed by it
        {"sqlite_autoincrement": True},
    )

    @property
    def target_name(self) -> str:
        if self.entity is not None:
            return self.entity.name
        assert self.region is not None
        return self.region.county


event.listen(Assignment.__table__, "after_create", ranges.sqlite_triggers_ddl())


class EntityContact(Base):
    """A Telegram user who speaks for the served side and confirms its visits: a contact of a
    served entity (enterprise contact), or of a service region (a county IP department
    contact, who confirms and rates the envoy's visits). Exactly one of the two is set."""

    __tablename__ = "entity_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int | None] = mapped_column(
        ForeignKey("entities.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(128))
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]

    entity: Mapped[Entity | None] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("(entity_id IS NULL) <> (region_id IS NULL)", name="one_target"),
    )

    @property
    def target_name(self) -> str:
        """The entity's name, or the region's county."""
        if self.entity is not None:
            return self.entity.name
        assert self.region is not None
        return self.region.county


class Invite(Base):
    """A single-use invite code for a person, or for a contact of an entity or of a region."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(BigInteger)

    person: Mapped[Person | None] = relationship(lazy="joined")
    entity: Mapped[Entity | None] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN person_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN entity_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN region_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target"),
    )


class UserPref(Base):
    """Preferences of a Telegram user who is not (yet) bound to a person or entity."""

    __tablename__ = "user_prefs"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    language: Mapped[str] = mapped_column(String(8))


class AuditEntry(Base):
    """An administrative change: who did what to which record, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)


class VisitDraft(Base):
    """A visit being logged: every answered step is stored here before the bot replies.

    At most one open (active or paused) draft per person. ``visit_id`` is set when the draft
    edits an existing visit, and after submission (then ``status`` is ``submitted``).
    """

    __tablename__ = "visit_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    step: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'paused', 'submitted', 'cancelled')", name="status"
        ),
        Index(
            "uq_visit_drafts_one_open_per_person",
            "person_id",
            unique=True,
            sqlite_where=text("status IN ('active', 'paused')"),
            postgresql_where=text("status IN ('active', 'paused')"),
        ),
    )


class Visit(Base):
    """A logged visit (走访 / 服务记录). Only on-site visits count toward obligations."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(16), unique=True)
    # one visit per draft; or per answered consultation (解答咨询, off-site)
    draft_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    consultation_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"),
                                           index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(16))
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    mode: Mapped[str] = mapped_column(String(16))
    tasks: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text)
    needs: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_live: Mapped[bool | None]
    integrity_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(lazy="joined")
    assignment: Mapped[Assignment] = relationship(lazy="joined")
    photos: Mapped[list[VisitPhoto]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", lazy="selectin",
        order_by="VisitPhoto.position",
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", lazy="selectin",
        order_by="FollowUp.id",
    )

    __table_args__ = (
        CheckConstraint("mode IN ('on_site', 'phone', 'video', 'online')", name="mode"),
        Index("ix_visits_assignment_date", "assignment_id", "visit_date"),
    )


class VisitPhoto(Base):
    __tablename__ = "visit_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    position: Mapped[int]
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(128))

    visit: Mapped[Visit] = relationship(back_populates="photos")


class FollowUp(Base):
    """A follow-up item (跟进事项) from a visit, with an owner.

    open → resolved (the owner marked it done) | dropped (its visit was deleted). Digests show
    only open ones, with their age.
    """

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"),
                                          index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]

    visit: Mapped[Visit] = relationship(back_populates="follow_ups")

    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved', 'dropped')", name="status"),
    )


class VisitConfirmation(Base):
    """The served side's answer to a reported visit: confirmed or disputed, and a rating."""

    __tablename__ = "visit_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("entity_contacts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    rating: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)
    # asked again (round + 1) when the visit's date, mode or entity changes
    round: Mapped[int] = mapped_column(default=1)
    sent_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    visit: Mapped[Visit] = relationship(lazy="joined")
    contact: Mapped[EntityContact] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("visit_id", "contact_id", name="uq_visit_confirmations_visit_contact"),
        CheckConstraint("status IN ('pending', 'confirmed', 'disputed', 'withdrawn')",
                        name="status"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    )


class HandledUpdate(Base):
    """Keys of user actions already applied, so a redelivered update is not applied twice."""

    __tablename__ = "handled_updates"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    at: Mapped[datetime]


class SentNotice(Base):
    """A reminder or notice, sent at most once ever: its key is unique.

    A pass claims the key (``status='sending'``) before it sends, so two passes running at
    once cannot both send; a send that keeps failing releases its claim.
    """

    __tablename__ = "sent_notices"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="sending")
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    __table_args__ = (CheckConstraint("status IN ('sending', 'sent')", name="status"),)


class Snooze(Base):
    """“3天后再提醒”: no reminders for this assignment before ``until``."""

    __tablename__ = "snoozes"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True)
    until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class FaqQuestion(Base):
    """A policy question asked, what the bot did with it, and the asker's verdict.

    A knowledge gap is a question answered with "none", voted 👎, or whose suggestions were
    all wrong ("都不是"); editors read them with ``ipbot knowledge gaps``.
    """

    __tablename__ = "faq_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    viewer: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="chat")
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str | None] = mapped_column(String(64))
    vote: Mapped[str | None] = mapped_column(String(8))
    gap: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        CheckConstraint("status IN ('answer', 'suggest', 'none')", name="status"),
        CheckConstraint("vote IS NULL OR vote IN ('up', 'down')", name="vote"),
        CheckConstraint("gap IS NULL OR gap IN ('none', 'down', 'neither')", name="gap"),
    )


class Consultation(Base):
    """解答咨询: a served entity's question handed to its commissioners.

    open → claimed (an owner took it) → answered → closed (solved, or 7 days after the last
    answer). Whose next typed text belongs to the thread is a ``PendingInput``.
    """

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id", ondelete="RESTRICT"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("entity_contacts.id", ondelete="RESTRICT"))
    question: Mapped[str] = mapped_column(Text)
    faq_question_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"),
                                                 index=True)
    escalated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(index=True)
    claimed_at: Mapped[datetime | None]
    last_answer_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    solved: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None]

    entity: Mapped[Entity] = relationship(lazy="joined")
    contact: Mapped[EntityContact] = relationship(lazy="joined")
    owner: Mapped[Person | None] = relationship(lazy="joined")
    messages: Mapped[list[ConsultationMessage]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", lazy="selectin",
        order_by="ConsultationMessage.id")

    __table_args__ = (
        CheckConstraint("status IN ('open', 'claimed', 'answered', 'closed')", name="status"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    )


class ConsultationMessage(Base):
    __tablename__ = "consultation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]

    consultation: Mapped[Consultation] = relationship(back_populates="messages")

    __table_args__ = (CheckConstraint("sender IN ('asker', 'owner')", name="sender"),)


class KnowledgeProposal(Base):
    """An answered consultation proposed for the knowledge base; an editor reviews it."""

    __tablename__ = "knowledge_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    exported_at: Mapped[datetime | None]


class TypicalCase(Base):
    """典型案例: a visit its reporting person flagged, with a one-line highlight
    (共创工作成果). Supervisors export the flagged visits per quarter."""

    __tablename__ = "typical_cases"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    highlight: Mapped[str] = mapped_column(Text)
    flagged_by: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    flagged_at: Mapped[datetime] = mapped_column(index=True)

    visit: Mapped[Visit] = relationship(lazy="joined")


class Evaluation(Base):
    """评价: the result of one person's evaluation for one period (envoys a calendar year,
    commissioners a cycle, as the policy says), recorded by a supervisor. A change is audited
    with its reason (``audit_log``). ``pending_grade`` is a change a supervisor pressed in the
    bot and whose reason they are typing (applied with the reason, by them only)."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    grade: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    pending_grade: Mapped[str | None] = mapped_column(String(32))
    pending_by: Mapped[int | None] = mapped_column(Integer)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")
    recorder: Mapped[Person] = relationship(foreign_keys=[recorded_by], lazy="joined")

    __table_args__ = (
        UniqueConstraint("person_id", "role", "period_start", "period_end",
                         name="uq_evaluations_person_period"),
        CheckConstraint("role IN ('commissioner', 'envoy')", name="role"),
        CheckConstraint("period_end >= period_start", name="dates"),
        Index("ix_evaluations_period", "period_start", "period_end"),
    )


# ── delivery: inbound updates, the outbox, the instance lease, scheduled passes ──


class InboundUpdate(Base):
    """A Telegram update, recorded before the offset that confirms it is sent (or before the
    webhook request is answered). ``done_at`` is set in the transaction of its effects; what is
    recorded and not done is processed again after a restart."""

    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    done_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'done', 'failed')", name="status"),
        Index("ix_inbound_updates_pending", "update_id",
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        Index("ix_inbound_updates_received_at", "received_at"),
    )


class OutboxMessage(Base):
    """A message owed to someone, written in the transaction of the change that owes it.

    ``key`` is its idempotency key: the same message is never written twice. The sender
    delivers pending rows in order per chat and records Telegram's message id.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    file_name: Mapped[str | None] = mapped_column(String(128))
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    kind: Mapped[str] = mapped_column(String(24))
    bulk: Mapped[bool] = mapped_column(default=False)
    edit_of: Mapped[str | None] = mapped_column(String(160))
    coalesce: Mapped[str | None] = mapped_column(String(96))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    ambiguous: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'blocked', 'superseded')", name="status"),
        Index("ix_outbox_pending", "chat_id", "id",
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
        Index("ix_outbox_created_at", "created_at"),
    )


class BlockedChat(Base):
    """A chat whose user blocked the bot (403): nothing more is sent there until they return."""

    __tablename__ = "blocked_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    blocked_at: Mapped[datetime]


class InstanceLease(Base):
    """Who may poll Telegram and run jobs: one holder at a time, renewed before it expires."""

    __tablename__ = "instance_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(160))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PassRun(Base):
    """A scheduled pass (reminders, notices, digest …) that ran for a period (a day, a week)."""

    __tablename__ = "pass_runs"

    name: Mapped[str] = mapped_column(String(24), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(160))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PendingInput(Base):
    """What a person's next typed text is for: set by the flow that last asked them to type,
    cleared when that flow ends. One per Telegram user; no row: the text is a question."""

    __tablename__ = "pending_inputs"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime]

    __table_args__ = (
        CheckConstraint(
            "kind IN ('visit', 'consult_answer', 'consult_follow', 'confirm_comment',"
            " 'highlight', 'eval_comment', 'eval_reason')",
            name="kind"),
    )
