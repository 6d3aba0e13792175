"""Scheduled passes: what the tick runs when ``scheduler.passes.due`` says so. Each pass
writes what it owes into the outbox (with its ledger), so running it twice sends nothing
twice, and a crash mid-pass loses nothing."""

from __future__ import annotations

from bot.passes import daily, digest, housekeeping, timeliness
from scheduler import passes as schedule

PASSES = {
    schedule.DAILY: daily.execute,
    schedule.DIGEST: digest.execute,
    schedule.TIMELINESS: timeliness.execute,
    schedule.HOUSEKEEPING: housekeeping.execute,
}


async def _pause_idle_drafts(runtime: object) -> None:
    from bot.handlers.visit import pause_idle_drafts

    await pause_idle_drafts(runtime)


# Chores run on every tick; they keep no record (they are idempotent and cheap).
CHORES = (_pause_idle_drafts,)
