"""Repositories of delivery: inbound updates, the outbox, blocked chats, the instance lease,
pass runs and pending inputs. They never commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.delivery.out import EDIT_METHODS, Out
from bot.store.models import (
    BlockedChat,
    InboundUpdate,
    InstanceLease,
    OutboxMessage,
    PassRun,
    PendingInput,
)


def _insert(session: Session, model: type) -> Any:
    """An INSERT that can skip conflicts, in the session's dialect."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


_BUILT: dict[tuple[str, str], Any] = {}


def built(session: Session, name: str, build: Callable[[Any], Any]) -> Any:
    """A statement of the hot path, built once per dialect: building an expression costs more
    than running it (SQLAlchemy caches the compiled form, not the construction). ``build``
    gets the dialect's ``insert`` (for upserts); parameters are bound at execution."""
    dialect = session.get_bind().dialect.name
    stmt = _BUILT.get((dialect, name))
    if stmt is None:
        stmt = _BUILT[(dialect, name)] = build(
            postgresql.insert if dialect == "postgresql" else sqlite.insert)
    return stmt


_OUTBOX = OutboxMessage.__table__
_INBOUND = InboundUpdate.__table__
_PENDING = PendingInput.__table__
# Read for every typed message (who gets it): built once, bound at execution.
_PENDING_OF = select(PendingInput).where(PendingInput.telegram_id == bindparam("telegram_id"))


@dataclass(frozen=True)
class StoredOut:
    """An outbox row as the sender holds it in memory."""

    id: int | None  # None: an ephemeral reply, never stored
    out: Out
    attempts: int = 0
    ambiguous: int = 0


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.added: list[StoredOut] = []  # what this unit of work wrote (for the sender)

    def add(self, out: Out, now: datetime) -> StoredOut | None:
        """Write ``out`` unless its key is there already; return the new row (or None)."""
        if out.key is None:  # ephemeral: nothing to store, but the sender still gets it
            stored = StoredOut(None, out)
            self.added.append(stored)
            return stored
        stmt = built(self.session, "outbox.add", lambda insert: insert(_OUTBOX)
                     .on_conflict_do_nothing(index_elements=["key"]).returning(_OUTBOX.c.id))
        new_id = self.session.connection().execute(stmt, {
            "key": out.key, "chat_id": out.chat_id, "method": out.method,
            "params": out.params, "file_name": out.file_name, "file_data": out.file_data,
            "kind": out.kind, "bulk": out.bulk, "edit_of": out.edit_of,
            "coalesce": out.coalesce, "status": "pending", "attempts": 0, "ambiguous": 0,
            "created_at": now}).scalar()
        if new_id is None:
            return None
        stored = StoredOut(new_id, out)
        self.added.append(stored)
        return stored

    def add_all(self, outs: Iterable[Out], now: datetime) -> list[StoredOut]:
        return [s for s in (self.add(o, now) for o in outs) if s is not None]

    def has(self, key: str) -> bool:
        return self.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) \
            is not None

    def due(self, now: datetime, exclude: set[int], limit: int = 2000) -> list[StoredOut]:
        """Pending messages to send now, in order per chat: a chat whose earliest pending
        message waits (parked until ``not_before``) waits as a whole, so order holds."""
        rows = self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.chat_id, OutboxMessage.id).limit(limit)).all()
        # After a crash, several edits of one message may be pending (sent, perhaps, but not
        # recorded): only the newest says what the message should show now.
        newest: dict[tuple[int, Any], int] = {}
        edits = [r for r in rows if r.method in EDIT_METHODS]
        if edits:  # newer edits of the same messages, sent or not
            later = self.session.execute(
                select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.params,
                       OutboxMessage.edit_of)
                .where(OutboxMessage.chat_id.in_({r.chat_id for r in edits}),
                       OutboxMessage.id >= min(r.id for r in edits),
                       OutboxMessage.method.in_(list(EDIT_METHODS)),
                       OutboxMessage.status.in_(("pending", "sent"))))
            for row_id, chat, params, edit_of in later:
                target = (chat, (params or {}).get("message_id") or edit_of)
                newest[target] = max(newest.get(target, 0), row_id)
        out, waiting, stale = [], set(), []
        for r in rows:
            if r.method in EDIT_METHODS and r.id != newest[
                    (r.chat_id, r.params.get("message_id") or r.edit_of)]:
                stale.append(r.id)
                continue
            if r.chat_id in waiting:
                continue
            if r.not_before is not None and r.not_before > now:
                waiting.add(r.chat_id)
                continue
            if r.id not in exclude:
                out.append(StoredOut(r.id, _out(r), r.attempts, r.ambiguous))
        if stale:
            self.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(stale))
                                 .values(status="superseded"))
        return out

    def message_id_of(self, key: str) -> int | None:
        return self.session.scalar(select(OutboxMessage.message_id).where(
            OutboxMessage.key == key, OutboxMessage.status == "sent"))

    def record(self, row_id: int, *, status: str, at: datetime, message_id: int | None = None,
               attempts: int = 0, ambiguous: int = 0, error: str | None = None,
               not_before: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status, "attempts": attempts,
                                  "ambiguous": ambiguous, "error": error,
                                  "not_before": not_before}
        if status == "sent":
            values |= {"sent_at": at, "message_id": message_id, "file_data": None}
        self.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                             .values(**values))

    def record_many(self, marks: Iterable[Any], at: datetime) -> None:
        """A batch of the sender's results as one executemany UPDATE by primary key."""
        sent = [{"row_id": m.row_id, "to_status": m.status, "attempts": m.attempts,
                 "ambiguous": m.ambiguous, "error": m.error, "not_before": m.not_before,
                 "sent_at": at, "message_id": m.message_id} for m in marks
                if m.status == "sent"]
        other = [{"row_id": m.row_id, "to_status": m.status, "attempts": m.attempts,
                  "ambiguous": m.ambiguous, "error": m.error, "not_before": m.not_before}
                 for m in marks if m.status != "sent"]
        conn = self.session.connection()
        if sent:  # one executemany each
            conn.execute(built(self.session, "outbox.sent", lambda _i: _record_stmt(sent=True)),
                         sent)
        if other:
            conn.execute(built(self.session, "outbox.other",
                               lambda _i: _record_stmt(sent=False)), other)

    def block_chat(self, chat_id: int, at: datetime) -> int:
        """The chat's user blocked the bot: its pending messages are not sent."""
        self.session.execute(_insert(self.session, BlockedChat)
                             .values(chat_id=chat_id, blocked_at=at)
                             .on_conflict_do_nothing(index_elements=["chat_id"]))
        result = self.session.execute(
            update(OutboxMessage).where(OutboxMessage.chat_id == chat_id,
                                        OutboxMessage.status == "pending")
            .values(status="blocked", error="blocked by the user"))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def unblock_chat(self, chat_id: int) -> None:
        self.session.execute(delete(BlockedChat).where(BlockedChat.chat_id == chat_id))

    def blocked(self) -> set[int]:
        return set(self.session.scalars(select(BlockedChat.chat_id)))

    def backlog(self) -> tuple[int, datetime | None]:
        from sqlalchemy import func

        count, oldest = self.session.execute(
            select(func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status == "pending")).one()
        return int(count), oldest

    def last_sent_at(self) -> datetime | None:
        from sqlalchemy import func

        return self.session.scalar(select(func.max(OutboxMessage.sent_at)))

    def prune(self, before: datetime) -> int:
        result = self.session.execute(delete(OutboxMessage).where(
            OutboxMessage.status != "pending", OutboxMessage.created_at < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _record_stmt(*, sent: bool) -> Any:
    """UPDATE one outbox row by id with the sender's result (parameters named apart from the
    columns, as executemany needs)."""
    c = _OUTBOX.c
    values: dict[str, Any] = {
        name: bindparam(param, type_=c[name].type) for name, param in (
            ("status", "to_status"), ("attempts", "attempts"), ("ambiguous", "ambiguous"),
            ("error", "error"), ("not_before", "not_before"))}
    if sent:
        values |= {"sent_at": bindparam("sent_at", type_=c.sent_at.type),
                   "message_id": bindparam("message_id", type_=c.message_id.type),
                   "file_data": None}
    return update(_OUTBOX).where(c.id == bindparam("row_id")).values(values)


def _out(r: OutboxMessage) -> Out:
    return Out(r.chat_id, r.method, dict(r.params), key=r.key, kind=r.kind, bulk=r.bulk,
               edit_of=r.edit_of, file_name=r.file_name, file_data=r.file_data,
               coalesce=r.coalesce)


class Inbound:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, updates: Sequence[dict[str, Any]], now: datetime, *,
               done: bool = False) -> list[int]:
        """Store updates not seen before; return the ids that are new. An update delivered
        twice at once (a webhook retry racing the first request) is new for one of them only:
        one multi-row insert reports back exactly the rows it wrote. ``done``: stored as
        done at ``now`` (with the effects of its handling)."""
        if not updates:
            return []
        rows: dict[int, dict[str, Any]] = {}
        for u in updates:
            update_id = int(u["update_id"])
            if update_id not in rows:
                rows[update_id] = {"update_id": update_id, "payload": u,
                                   "user_id": _user_of(u), "received_at": now,
                                   "status": "done" if done else "pending",
                                   "done_at": now if done else None}
        stmt = built(self.session, "inbound.record", lambda insert: insert(_INBOUND)
                     .on_conflict_do_nothing(index_elements=["update_id"])
                     .returning(_INBOUND.c.update_id))
        inserted = set(self.session.connection().execute(  # one statement, known ones skipped
            stmt, list(rows.values())).scalars())
        return [i for i in rows if i in inserted]

    def pending(self, limit: int = 10_000) -> list[dict[str, Any]]:
        return list(self.session.scalars(
            select(InboundUpdate.payload).where(InboundUpdate.status == "pending")
            .order_by(InboundUpdate.update_id).limit(limit)))

    def mark(self, update_ids: Iterable[int], at: datetime, status: str = "done",
             error: str | None = None) -> None:
        ids = list(update_ids)
        if ids:
            stmt = built(self.session, "inbound.mark", lambda _i: update(_INBOUND).where(
                _INBOUND.c.update_id.in_(bindparam("ids", expanding=True)),
                _INBOUND.c.status == "pending").values(
                    status=bindparam("to_status", type_=_INBOUND.c.status.type),
                    done_at=bindparam("at", type_=_INBOUND.c.done_at.type),
                    error=bindparam("why", type_=_INBOUND.c.error.type)))
            self.session.connection().execute(
                stmt, {"ids": ids, "to_status": status, "at": at, "why": error})

    def last_id(self) -> int | None:
        from sqlalchemy import func

        return self.session.scalar(select(func.max(InboundUpdate.update_id)))

    def last_done_at(self) -> datetime | None:
        from sqlalchemy import func

        return self.session.scalar(select(func.max(InboundUpdate.done_at)))

    def prune(self, before: datetime) -> int:
        newest = self.last_id()  # keep the newest row: it carries the polling offset
        result = self.session.execute(delete(InboundUpdate).where(
            InboundUpdate.status != "pending", InboundUpdate.received_at < before,
            InboundUpdate.update_id != (newest or -1)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _user_of(update: dict[str, Any]) -> int | None:
    for value in update.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict):
            return int(value["from"]["id"])
    return None


class Leases:
    def __init__(self, session: Session) -> None:
        self.session = session

    def acquire(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or renew the lease: free, expired, or already ours."""
        taken = self.session.execute(
            update(InstanceLease).where(
                InstanceLease.name == name,
                or_(InstanceLease.holder == holder, InstanceLease.expires_at < now))
            .values(holder=holder, expires_at=until,
                    acquired_at=_keep_acquired(holder, now))).rowcount  # type: ignore[attr-defined]
        if taken:
            return True
        inserted = self.session.execute(
            _insert(self.session, InstanceLease)
            .values(name=name, holder=holder, acquired_at=now, expires_at=until)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(InstanceLease.name)).scalar()
        return inserted is not None

    def release(self, name: str, holder: str) -> None:
        self.session.execute(delete(InstanceLease).where(
            InstanceLease.name == name, InstanceLease.holder == holder))

    def holder(self, name: str, now: datetime) -> str | None:
        return self.session.scalar(select(InstanceLease.holder).where(
            InstanceLease.name == name, InstanceLease.expires_at >= now))


def _keep_acquired(holder: str, now: datetime) -> Any:
    from sqlalchemy import case

    return case((InstanceLease.holder == holder, InstanceLease.acquired_at), else_=now)


class PassRuns:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recorded(self, names: Iterable[str], since_periods: Iterable[str]) -> set[tuple[str, str]]:
        periods = list(since_periods)
        rows = self.session.execute(select(PassRun.name, PassRun.period).where(
            PassRun.name.in_(list(names)), PassRun.period.in_(periods)))
        return {(n, p) for n, p in rows}

    def claim(self, name: str, period: str, holder: str, now: datetime,
              stale_before: datetime) -> bool:
        """Start the pass for ``period``; False when it ran, or runs elsewhere right now."""
        inserted = self.session.execute(
            _insert(self.session, PassRun)
            .values(name=name, period=period, holder=holder, started_at=now, result={})
            .on_conflict_do_nothing(index_elements=["name", "period"])
            .returning(PassRun.name)).scalar()
        if inserted is not None:
            return True
        retaken = self.session.execute(update(PassRun).where(
            PassRun.name == name, PassRun.period == period, PassRun.finished_at.is_(None),
            PassRun.started_at < stale_before)
            .values(holder=holder, started_at=now)).rowcount  # type: ignore[attr-defined]
        return bool(retaken)

    def finish(self, name: str, period: str, now: datetime, result: dict[str, Any]) -> None:
        self.session.execute(update(PassRun).where(PassRun.name == name,
                                                   PassRun.period == period)
                             .values(finished_at=now, result=result))

    def release(self, name: str, period: str) -> None:
        self.session.execute(delete(PassRun).where(
            PassRun.name == name, PassRun.period == period, PassRun.finished_at.is_(None)))

    def get(self, name: str, period: str) -> PassRun | None:
        return self.session.get(PassRun, (name, period))


class PendingInputs:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, telegram_id: int) -> PendingInput | None:
        return self.session.scalar(_PENDING_OF, {"telegram_id": telegram_id})

    def set(self, telegram_id: int, kind: str, ref_id: int, now: datetime) -> None:
        """One statement (an upsert): the flow that asks last gets the person's text."""
        def build(insert: Any) -> Any:
            stmt = insert(_PENDING)
            return stmt.on_conflict_do_update(
                index_elements=["telegram_id"],
                set_={"kind": stmt.excluded.kind, "ref_id": stmt.excluded.ref_id,
                      "set_at": stmt.excluded.set_at})

        self.session.connection().execute(built(self.session, "pending.set", build), {
            "telegram_id": telegram_id, "kind": kind, "ref_id": ref_id, "set_at": now})
        loaded = self._loaded(telegram_id)
        if loaded is not None:  # read earlier in this unit of work: read it again if asked
            self.session.expire(loaded)

    def _loaded(self, telegram_id: int) -> PendingInput | None:
        """The person's pending input as this unit of work read it, if it did."""
        return self.session.identity_map.get(  # type: ignore[return-value]
            self.session.identity_key(PendingInput, telegram_id))

    def clear(self, telegram_id: int, kind: str | None = None, ref_id: int | None = None
              ) -> bool:
        """Clear the person's pending input (only if it is ``kind``/``ref_id`` when given)."""
        def build(_insert: Any) -> Any:
            c = _PENDING.c
            conditions = [c.telegram_id == bindparam("telegram_id")]
            if kind is not None:
                conditions.append(c.kind == bindparam("kind"))
            if ref_id is not None:
                conditions.append(c.ref_id == bindparam("ref_id"))
            return delete(_PENDING).where(and_(*conditions))

        name = f"pending.clear:{kind is not None}:{ref_id is not None}"
        result = self.session.connection().execute(built(self.session, name, build), {
            "telegram_id": telegram_id, "kind": kind, "ref_id": ref_id})
        loaded = self._loaded(telegram_id)
        if loaded is not None and result.rowcount:  # gone: a later get() reads again, while
            self.session.expunge(loaded)            # a caller's copy keeps what it said
        return bool(result.rowcount)

    def clear_ref(self, kind: str, ref_id: int) -> None:
        self.session.execute(delete(PendingInput).where(
            PendingInput.kind == kind, PendingInput.ref_id == ref_id))


class Notices:
    """The ledger of reminders and notices owed once ever (``sent_notices``): a key is
    written in the transaction that puts its message in the outbox."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, key: str, kind: str, person_id: int | None, now: datetime) -> bool:
        from bot.store.models import SentNotice

        inserted = self.session.execute(
            _insert(self.session, SentNotice)
            .values(key=key, kind=kind, person_id=person_id, status="sent", claimed_at=now,
                    sent_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(SentNotice.key)).scalar()
        return inserted is not None

    def has(self, key: str) -> bool:
        from bot.store.models import SentNotice

        return self.session.get(SentNotice, key) is not None
