"""Policy questions: the knowledge base in service (last good version kept on a failed
reload), asking, and the log of questions, votes and gaps."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.faq import Entry, MatchResult, normalize
from bot.faq.model import visible_to
from bot.services.base import Done, Render, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.identity import Actor, ActorKind
from bot.store.models import FaqQuestion
from bot.store.uow import UnitOfWork


def viewer_of(actor: Actor) -> str:
    return {ActorKind.PERSON: "staff", ActorKind.CONTACT: "enterprise"}.get(actor.kind, "public")


@dataclass(frozen=True)
class Asked:
    question_id: int
    result: MatchResult
    # an entity contact's hand-overs left today (None: not a contact, no hand-over offered)
    hand_overs_left: int | None = None


def ask(svc: Services, actor: Actor | None, question: str, channel: str = "chat", *,
        reply: Render[Asked] | None = None) -> Done[Asked]:
    with svc.uow() as uow:
        asked = ask_in(svc, uow, actor, question, channel)
        return finish(uow, svc.clock.now(), asked, reply)


def ask_in(svc: Services, uow: UnitOfWork, actor: Actor | None, question: str,
           channel: str = "chat") -> Asked:
    """Match the question and log it (with the gap when nothing answers it)."""
    viewer = viewer_of(actor) if actor else "public"
    result = svc.knowledge.match(question, viewer)
    row = FaqQuestion(
        at=svc.clock.now(), telegram_id=actor.telegram_id if actor else None,
        viewer=viewer, channel=channel, question=question[:2000], status=result.status,
        entry_id=result.matches[0].entry.id if result.status == "answer" else None,
        gap="none" if result.status == "none" else None)
    uow.session.add(row)
    uow.flush()
    left = None
    if actor is not None and actor.contact_id is not None and actor.entity_id is not None:
        from bot.services.consultations import hand_overs_left

        left = hand_overs_left(svc, uow, actor.contact_id)
    return Asked(row.id, result, left)


@dataclass(frozen=True)
class Feedback:
    question_id: int
    action: str
    entry: Entry | None = None
    hand_overs_left: int | None = None


def feedback(svc: Services, actor: Actor, question_id: int, action: str,
             entry_id: str | None = None, *, reply: Render[Feedback] | None = None
             ) -> Done[Feedback]:
    """A press on an answer: a suggestion chosen (s), none of them (n), 👍 (u) or 👎 (d)."""
    with svc.uow() as uow:
        row = _own(uow, actor, question_id)
        entry = None
        if action == "s":
            entry = svc.knowledge.entry(entry_id or "")
            if entry is None or not visible_to(entry, viewer_of(actor)):
                raise ServiceError("visit.stale_button")
            row.entry_id = entry.id
        elif action == "n":
            row.gap = row.gap or "neither"
        elif action in ("u", "d"):
            row.vote = "up" if action == "u" else "down"
            if action == "d":
                row.gap = row.gap or "down"
        else:
            raise ServiceError("visit.stale_button")
        left = None
        if actor.contact_id is not None and actor.entity_id is not None:
            from bot.services.consultations import hand_overs_left

            left = hand_overs_left(svc, uow, actor.contact_id)
        return finish(uow, svc.clock.now(), Feedback(question_id, action, entry, left), reply)


def _own(uow, actor: Actor, question_id: int) -> FaqQuestion:  # type: ignore[no-untyped-def]
    row = uow.session.get(FaqQuestion, question_id)
    if row is None or row.telegram_id != actor.telegram_id:
        raise ServiceError("visit.stale_button")
    return row


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
