"""Policy questions: the knowledge base in service (last good version kept on a failed
reload), asking, and the log of questions, votes and gaps."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.faq import Entry, MatchResult, normalize
from bot.faq.model import visible_to
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.identity import Actor, ActorKind
from bot.store.models import FaqQuestion


def viewer_of(actor: Actor) -> str:
    return {ActorKind.PERSON: "staff", ActorKind.CONTACT: "enterprise"}.get(actor.kind, "public")


@dataclass(frozen=True)
class Asked:
    question_id: int
    result: MatchResult


def ask(svc: Services, actor: Actor | None, question: str, channel: str = "chat") -> Asked:
    viewer = viewer_of(actor) if actor else "public"
    result = svc.knowledge.match(question, viewer)
    with svc.uow() as uow:
        row = FaqQuestion(
            at=svc.clock.now(), telegram_id=actor.telegram_id if actor else None,
            viewer=viewer, channel=channel, question=question[:2000], status=result.status,
            entry_id=result.matches[0].entry.id if result.status == "answer" else None,
            gap="none" if result.status == "none" else None)
        uow.session.add(row)
        uow.commit()
        return Asked(row.id, result)


def _own(uow, actor: Actor, question_id: int) -> FaqQuestion:  # type: ignore[no-untyped-def]
    row = uow.session.get(FaqQuestion, question_id)
    if row is None or row.telegram_id != actor.telegram_id:
        raise ServiceError("visit.stale_button")
    return row


def choose(svc: Services, actor: Actor, question_id: int, entry_id: str) -> Entry:
    """The asker picked one of the suggestions."""
    entry = svc.knowledge.entry(entry_id)
    if entry is None or not visible_to(entry, viewer_of(actor)):
        raise ServiceError("visit.stale_button")
    with svc.uow() as uow:
        row = _own(uow, actor, question_id)
        row.entry_id = entry_id
        uow.commit()
    return entry


def neither(svc: Services, actor: Actor, question_id: int) -> str:
    """None of the suggestions fit: a knowledge gap. Returns the question."""
    with svc.uow() as uow:
        row = _own(uow, actor, question_id)
        row.gap = row.gap or "neither"
        uow.commit()
        return row.question


def vote(svc: Services, actor: Actor, question_id: int, up: bool) -> str:
    with svc.uow() as uow:
        row = _own(uow, actor, question_id)
        row.vote = "up" if up else "down"
        if not up:
            row.gap = row.gap or "down"
        uow.commit()
        return row.question


@dataclass(frozen=True)
class Gap:
    question: str
    count: int
    reasons: dict[str, int]
    last: datetime


def gaps(svc: Services, since: datetime | None = None) -> list[Gap]:
    """Knowledge gaps grouped by normalised question, most asked first."""
    with svc.uow() as uow:
        query = select(FaqQuestion).where(FaqQuestion.gap.is_not(None))
        if since is not None:
            query = query.where(FaqQuestion.at >= since)
        rows = list(uow.session.scalars(query.order_by(FaqQuestion.at)))
    groups: dict[str, list[FaqQuestion]] = defaultdict(list)
    for row in rows:
        groups[normalize(row.question) or row.question].append(row)
    out = []
    for items in groups.values():
        reasons: dict[str, int] = defaultdict(int)
        for r in items:
            reasons[r.gap or ""] += 1
        out.append(Gap(items[-1].question, len(items), dict(reasons), items[-1].at))
    return sorted(out, key=lambda g: (-g.count, g.question))
