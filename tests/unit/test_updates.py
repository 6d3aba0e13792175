"""The update processor: one person's updates in order and never at once, even when more
arrive while earlier ones are still being handled; other people's run beside them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Chat, Message, Update, User

from bot.clock import FixedClock
from bot.delivery import turn as turns
from bot.updates import PerUserUpdateProcessor

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def update(update_id: int, user_id: int) -> Update:
    user = User(user_id, "U", False)
    message = Message(update_id, NOW, Chat(user_id, "private"), from_user=user, text="x")
    return Update(update_id, message=message)


async def test_updates_behind_slow_ones_run_in_order_one_at_a_time():
    done_turns: list[int] = []
    processor = PerUserUpdateProcessor(FixedClock(NOW), lambda t: done_turns.append(t.update_id))
    log: list[str] = []
    running: set[int] = set()
    overlap: list[int] = []
    gates = {1: asyncio.Event(), 2: asyncio.Event()}
    first_started, second_started = asyncio.Event(), asyncio.Event()

    async def handle(u: Update) -> None:
        user = u.effective_user.id
        if user in running:
            overlap.append(u.update_id)
        running.add(user)
        log.append(f"start {u.update_id}")
        if u.update_id == 1:
            first_started.set()
        if u.update_id == 2:
            second_started.set()
        assert turns.current() is not None and turns.current().update_id == u.update_id
        if u.update_id in gates:
            await gates[u.update_id].wait()
        await asyncio.sleep(0)
        log.append(f"end {u.update_id}")
        running.discard(user)

    def submit(update_id: int, user: int = 7) -> asyncio.Task[None]:
        u = update(update_id, user)
        return asyncio.create_task(processor.process_update(u, handle(u)))

    tasks = [submit(1)]
    await first_started.wait()
    tasks += [submit(2), submit(3)]  # three of one person's updates while the first runs
    await submit(9, user=8)  # another person is not held up by the slow one
    assert "end 9" in log and "end 1" not in log
    assert processor.peak_waiting[7] == 3
    gates[1].set()  # the first ends; the second starts and is slow too…
    await second_started.wait()
    tasks.append(submit(4))  # …when a fourth arrives: it must queue behind 2 and 3
    for _ in range(5):
        await asyncio.sleep(0)
    assert "start 4" not in log
    gates[2].set()
    await asyncio.gather(*tasks)
    mine = [line for line in log if not line.endswith(" 9")]
    assert mine == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3",
                    "start 4", "end 4"]
    assert overlap == []
    assert sorted(done_turns) == [1, 2, 3, 4, 9] and processor.active_keys() == 0


async def test_a_stale_turn_is_handled_again_in_its_place_and_ended_once():
    ended: list[tuple[int, bool]] = []
    begun: list[int] = []
    processor = PerUserUpdateProcessor(
        FixedClock(NOW), lambda t: ended.append((t.update_id, t.stale)),
        before_turn=lambda t: begun.append(t.update_id))
    log: list[str] = []
    attempts: dict[int, int] = {}

    async def handle(u: Update) -> None:
        attempts[u.update_id] = attempts.get(u.update_id, 0) + 1
        turn = turns.current()
        assert turn is not None and turn.update_id == u.update_id
        log.append(f"{u.update_id}.{attempts[u.update_id]}")
        await asyncio.sleep(0)
        if u.update_id == 1 and attempts[1] == 1:
            turn.stale = True  # its first unit of work found the actor stale

    processor.again = handle  # type: ignore[assignment]
    first, second = update(1, 7), update(2, 7)
    await asyncio.gather(processor.process_update(first, handle(first)),
                         processor.process_update(second, handle(second)))
    assert log == ["1.1", "1.2", "2.1"]  # again before the sender's next update
    assert begun == [1, 1, 2] and ended == [(1, False), (2, False)]
