"""What is owed is delivered through Bot API weather: 429 and 5xx bursts on sendMessage,
sendPhoto and sendDocument during a reminder pass and a digest; a blocked supervisor; and
the at-most-once rule for counted ambiguous failures. Time is virtual (no real waiting)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.clock import VirtualTimer
from bot.store.models import BlockedChat, OutboxMessage, SentNotice
from tests.conftest import TZ
from tests.e2e.conftest import start_world

pytestmark = pytest.mark.e2e

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
DEC_NOTICE = datetime(2027, 1, 4, 9, 0, tzinfo=TZ)  # envoys' 2026 evaluation falls due


def statuses(world) -> Counter[str]:  # type: ignore[no-untyped-def]
    with world.services.uow() as uow:
        return Counter(dict(uow.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()))


async def test_bursts_of_429_and_5xx_during_reminders_and_a_digest_lose_and_repeat_nothing(
        db_url, botapi, clock):
    timer = VirtualTimer()
    botapi.use_monotonic(timer.monotonic)
    clock.set(MONDAY)
    async with start_world(db_url, botapi, clock, timer=timer) as world:
        timer.busy = lambda: world.runtime.sender.in_flight > 0
        zhao = await world.onboard("赵磊")
        sun = await world.onboard("孙悦")
        province = await world.onboard("周洁")
        county = await world.onboard("郑华")
        botapi.inject_error("sendMessage", status=429, retry_after=2, times=3)
        botapi.inject_error("sendMessage", status=502, times=3)
        botapi.inject_error("sendPhoto", status=503, times=2)
        botapi.inject_error("sendPhoto", status=429, retry_after=1, times=1)
        botapi.inject_error("sendDocument", status=502, times=2)
        botapi.inject_error("sendDocument", status=429, retry_after=1, times=2)
        await world.run_pass("daily")
        await world.run_pass("digest")
        for envoy in (zhao, sun):
            (reminder,) = [m for m in envoy.messages if "走访提醒" in (m.text or "")]
            assert "还剩 29 天" in reminder.text
        for sup in (province, county):
            kinds = Counter(m.kind for m in sup.messages[1:])  # after the welcome
            assert kinds["photo"] == 1 and kinds["document"] == 1 and kinds["text"] >= 1
        assert statuses(world) == Counter({"sent": sum(statuses(world).values())})
        stats = world.runtime.sender.stats
        assert stats["ambiguous"] == 0  # 502/503 and 429 are "not delivered": no doubt
        assert stats["retry_after"] == 6 and stats["retried"] == 7
        seen = {u.id: len(u.messages) for u in (zhao, sun, province, county)}
        await world.run_pass("digest")  # the same week: nothing again
        await world.run_pass("daily")
        assert {u.id: len(u.messages) for u in (zhao, sun, province, county)} == seen


async def test_an_ambiguous_500_after_delivery_is_counted_and_sent_at_most_twice(
        db_url, botapi, clock):
    timer = VirtualTimer()
    clock.set(MONDAY)
    async with start_world(db_url, botapi, clock, timer=timer) as world:
        timer.busy = lambda: world.runtime.sender.in_flight > 0
        zhao = await world.onboard("赵磊")
        botapi.inject_error("sendMessage", status=500, executed=True, times=1)
        await world.run_pass("daily")
        reminders = [m for m in zhao.messages if "走访提醒" in (m.text or "")]
        assert len(reminders) == 2  # delivered, then the retry: the one counted duplicate
        assert world.runtime.sender.stats["ambiguous"] == 1
        with world.services.uow() as uow:
            row = uow.session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "reminder")).one()
            assert (row.status, row.ambiguous) == ("sent", 1)


async def test_a_blocked_supervisor_does_not_hold_up_the_others_and_is_not_retried(
        db_url, botapi, clock):
    clock.set(DEC_NOTICE)
    async with start_world(db_url, botapi, clock) as world:
        province = await world.onboard("周洁")
        admin = await world.onboard("钱峰")  # an administrator: notices reach them too
        botapi.block(admin, notify=False)  # blocked, and the bot has not been told
        await world.run_pass("daily")
        (notice,) = [m for m in province.messages if "评价提醒" in (m.text or "")]
        assert "赵磊" in notice.text
        with world.services.uow() as uow:
            assert uow.session.get(BlockedChat, admin.id) is not None
            assert uow.session.scalar(select(func.count()).select_from(SentNotice).where(
                SentNotice.kind == "notice")) >= 1
        assert statuses(world)["blocked"] == 1
        seen = len(province.messages)
        world.clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=TZ))  # the next day's pass
        await world.run_pass("daily")
        assert len(province.messages) == seen
        blocked_calls = [c for c in botapi.calls("sendMessage")
                         if int(c.params.get("chat_id", 0)) == admin.id and c.status == 403]
        assert len(blocked_calls) == 1  # tried once, then marked: never again
        botapi.unblock(admin)  # they come back (my_chat_member): the chat is open again
        await world.settle()
        with world.services.uow() as uow:
            assert uow.session.get(BlockedChat, admin.id) is None
