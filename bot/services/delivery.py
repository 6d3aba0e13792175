"""Delivery bookkeeping as use cases: record inbound updates, record what the sender did,
hold the instance lease, and run scheduled passes at most once per period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.delivery.health import Snapshot
from bot.delivery.out import Out
from bot.delivery.rides import Ride
from bot.services.container import Services
from bot.services.identity import Actor, TelegramUser, actors_in
from bot.store.delivery_repo import Leases, PassRuns, StoredOut
from bot.store.uow import UnitOfWork

LEASE = "bot"


def record_updates(svc: Services, updates: Sequence[dict[str, Any]]
                   ) -> tuple[list[int], dict[int, Actor]]:
    """Store updates before they are confirmed to Telegram; return the new ids and, for the
    people who sent them, who they are (so each update needs no lookup of its own).

    The batch rides along with whichever unit of work commits first (``bot.delivery.rides``):
    on a busy bot an update's transaction, on a quiet one the unit of work opened here, which
    then writes nothing when another has taken the batch already."""
    now = svc.clock.now()
    today = now.astimezone(svc.policy.tz).date()
    # Read the payloads here, in the poll loop's thread: an update that cannot be read fails
    # the poll loop, never the update transaction that would have taken the batch along.
    senders = [(int(u["update_id"]), _sender(u)) for u in updates]

    def apply(uow: UnitOfWork) -> tuple[list[int], dict[int, Actor]]:
        new = set(uow.inbound.record(updates, now))
        users: dict[int, TelegramUser] = {}
        for update_id, sender in senders:
            if update_id in new and sender is not None:
                users.setdefault(sender.id, sender)
        return sorted(new), actors_in(uow, users.values(), today)

    ride = Ride(apply)
    svc.rides.put(ride)
    try:
        while True:
            if svc.rides.waiting(ride):
                with svc.uow() as uow:  # a commit meanwhile may take the batch along
                    if svc.rides.waiting(ride):
                        uow.commit()  # takes this batch (and whatever else waits) along
            if svc.rides.settled(ride):
                return ride.result  # type: ignore[no-any-return]
    except BaseException:
        if svc.rides.withdraw(ride):
            raise
        return ride.result  # type: ignore[no-any-return]  # written after all


def _sender(update: dict[str, Any]) -> TelegramUser | None:
    for value in update.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict):
            f = value["from"]
            name = " ".join(x for x in (f.get("first_name"), f.get("last_name")) if x)
            return TelegramUser(int(f["id"]), name, f.get("language_code"))
    return None


def pending_updates(svc: Services) -> list[dict[str, Any]]:
    with svc.uow() as uow:
        return uow.inbound.pending()


def last_update_id(svc: Services) -> int | None:
    with svc.uow() as uow:
        return uow.inbound.last_id()


def confirm_turn(svc: Services) -> None:
    """The unit of work of an update whose handlers opened none: it confirms the remembered
    actor (``Turn.check``, run as it opens; ``StaleActor`` when not) and stores the update
    as done."""
    with svc.uow() as uow:
        uow.commit()


def flush_results(svc: Services) -> None:
    """The recorder's unit of work: its commit takes along whatever sender results still
    wait, once it holds the database (none left: nothing is written)."""
    with svc.uow() as uow:
        if svc.results.waiting():
            uow.commit()


def block_chat(svc: Services, chat_id: int) -> int:
    with svc.uow() as uow:
        count = uow.outbox.block_chat(chat_id, svc.clock.now())
        uow.session.commit()
        return count


def unblock_chat(svc: Services, chat_id: int) -> None:
    with svc.uow() as uow:
        uow.outbox.unblock_chat(chat_id)
        uow.session.commit()


def message_id_of(svc: Services, key: str) -> int | None:
    with svc.uow() as uow:
        return uow.outbox.message_id_of(key)


def due_outbox(svc: Services, exclude: set[int]) -> list[StoredOut]:
    with svc.uow() as uow:
        rows = uow.outbox.due(svc.clock.now(), exclude)
        uow.session.commit()  # older edits of one message, superseded by the newest
        return rows


def enqueue(svc: Services, outs: Sequence[Out]) -> list[StoredOut]:
    """Write messages owed outside any other change (a notice from the CLI, say)."""
    with svc.uow() as uow:
        rows = uow.outbox.add_all(outs, svc.clock.now())
        uow.session.commit()
        return rows


# ── the instance lease ────────────────────────────────────────────────


def acquire_lease(svc: Services, holder: str, seconds: float) -> bool:
    now = svc.clock.now()
    with svc.uow() as uow:
        ok = Leases(uow.session).acquire(LEASE, holder, now, now + timedelta(seconds=seconds))
        uow.session.commit()
        return ok


def release_lease(svc: Services, holder: str) -> None:
    with svc.uow() as uow:
        Leases(uow.session).release(LEASE, holder)
        uow.session.commit()


def lease_holder(svc: Services) -> str | None:
    with svc.uow() as uow:
        return Leases(uow.session).holder(LEASE, svc.clock.now())


# ── scheduled passes ──────────────────────────────────────────────────

STALE_PASS = timedelta(minutes=15)


def recorded_passes(svc: Services, names: Sequence[str], periods: Sequence[str]
                    ) -> set[tuple[str, str]]:
    with svc.uow() as uow:
        return PassRuns(uow.session).recorded(names, periods)


def claim_pass(svc: Services, name: str, period: str, holder: str) -> bool:
    now = svc.clock.now()
    with svc.uow() as uow:
        ok = PassRuns(uow.session).claim(name, period, holder, now, now - STALE_PASS)
        uow.session.commit()
        return ok


def finish_pass(svc: Services, name: str, period: str, result: dict[str, Any]) -> None:
    with svc.uow() as uow:
        PassRuns(uow.session).finish(name, period, svc.clock.now(), result)
        uow.session.commit()


def release_pass(svc: Services, name: str, period: str) -> None:
    with svc.uow() as uow:
        PassRuns(uow.session).release(name, period)
        uow.session.commit()


def health(svc: Services) -> Snapshot:
    """What ``/healthz`` reads, on a connection of its own (``svc.probe``): raises when the
    database cannot be reached."""
    with svc.probe() as uow:
        count, oldest = uow.outbox.backlog()
        return Snapshot(backlog=count, oldest_pending=oldest,
                        last_done_at=uow.inbound.last_done_at(),
                        last_sent_at=uow.outbox.last_sent_at(),
                        lease_holder=Leases(uow.session).holder(LEASE, svc.clock.now()))


def prune(svc: Services, at: datetime, keep_days: int = 14) -> dict[str, int]:
    with svc.uow() as uow:
        before = at - timedelta(days=keep_days)
        result = {"inbound": uow.inbound.prune(before), "outbox": uow.outbox.prune(before)}
        uow.session.commit()
        return result
