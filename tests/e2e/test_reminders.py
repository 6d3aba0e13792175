"""Reminders end to end: who gets one at each lead, never twice, catch-up after downtime
(by the scheduler on its own), overdue, snooze, and a throttled burst with injected 429s in
virtual time."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.clock import VirtualTimer
from bot.store.models import SentNotice
from scheduler.policy import default_policy_path
from tests.conftest import TZ
from tests.e2e.conftest import World, start_world
from tests.e2e.test_visits import tap, walk_to_review

pytestmark = pytest.mark.e2e


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


async def daily(world: World, day: str) -> None:
    world.clock.set(at(day))
    await world.run_pass("daily")


def sent(world: World) -> int:
    with world.services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(SentNotice).where(
            SentNotice.status == "sent")) or 0


async def test_leads_reach_exactly_the_unmet_and_never_twice(world: World):
    zhao = await world.onboard("赵磊")  # envoy, 景宁; quarterly: Q1 due 2026-03-31
    sun = await world.onboard("孙悦")   # envoy, 嵊泗
    wang = await world.onboard("王敏")  # commissioner: yearly, nothing due in March
    await daily(world, "2026-03-02")    # 29 days left: the 30-day lead
    first = await zhao.expect_message(contains="还剩 29 天")
    assert "景宁畲族自治县" in first.text and "2026年第1季度" in first.text
    await sun.expect_message(contains="嵊泗县")
    await wang.expect_no_message()
    await daily(world, "2026-03-02")    # a second pass the same day
    await zhao.expect_no_message()
    # 赵磊 visits on site; at the 14-day lead only 孙悦 is reminded
    card = await walk_to_review(zhao, entity=None, task="共商发展思路")
    done = await tap(zhao, card, "✅ 提交")
    assert "2026年第1季度的走访要求已完成" in done.text
    await daily(world, "2026-03-17")
    await sun.expect_message(contains="还剩 14 天")
    await zhao.expect_no_message()
    assert sent(world) == 3


async def test_a_restart_and_two_concurrent_passes_send_nothing_twice(db_url, botapi, clock):
    async with start_world(db_url, botapi, clock) as world:
        zhao = await world.onboard("赵磊")
        await daily(world, "2026-03-02")
        await zhao.expect_message(contains="还剩 29 天")
    async with start_world(db_url, botapi, clock, rosters=False) as world:
        await daily(world, "2026-03-02")
        await zhao.expect_no_message()
        world.clock.set(at("2026-03-17"))
        from bot.passes.daily import run_reminders

        await asyncio.gather(*(run_reminders(world.runtime) for _ in range(3)))
        await world.settle()
        await zhao.expect_message(contains="还剩 14 天")
        await zhao.expect_no_message()


async def test_catch_up_after_downtime_sends_only_the_latest_lead(world: World):
    zhao = await world.onboard("赵磊")
    await daily(world, "2026-03-25")  # down since before the 30- and 14-day leads
    await zhao.expect_message(contains="还剩 6 天")
    await zhao.expect_no_message()
    with world.services.uow() as uow:
        keys = list(uow.session.scalars(select(SentNotice.key)))
    assert len(keys) == 1 and keys[0].endswith(":7")


async def test_a_start_after_send_time_catches_up_on_its_own(db_url, botapi, clock):
    """Down at 09:00, started at 15:00: the scheduler's first tick finds today's pass
    unrecorded and runs it; no test code runs the pass."""
    from bot.services import identity
    from bot.services.container import Services
    from tests.e2e.conftest import bot_settings
    from tests.helpers import load_sample_rosters

    zhao = botapi.user(first_name="赵磊", started=True)
    setup = Services.create(bot_settings(db_url, botapi), clock)
    load_sample_rosters(setup)
    from bot.services import invites
    from bot.services.identity import TelegramUser

    identity.bind(setup, invites.issue(setup, person="赵磊").code,
                  TelegramUser(zhao.id, "赵磊", "zh-hans"))
    setup.close()
    clock.set(at("2026-03-02", hour=15))  # started after 09:00: today's pass is due now
    async with start_world(db_url, botapi, clock, rosters=False, scheduler=True):
        await zhao.expect_message(contains="还剩 29 天")


async def test_overdue_notice_once_the_day_after_the_deadline(world: World):
    zhao = await world.onboard("赵磊")
    await daily(world, "2026-04-01")
    notice = await zhao.expect_message(contains="已于 2026-03-31 截止")
    assert "逾期" in notice.text and "3天后再提醒" not in str(notice.reply_markup)
    await daily(world, "2026-04-02")
    await zhao.expect_no_message()


async def test_non_working_days_wait_for_the_next_working_day(world: World):
    zhao = await world.onboard("赵磊")
    await daily(world, "2026-03-29")  # a Sunday: nothing
    await zhao.expect_no_message()
    await daily(world, "2026-03-30")
    await zhao.expect_message(contains="还剩 1 天")


async def test_one_tap_visit_from_a_reminder(world: World):
    zhao = await world.onboard("赵磊")
    await daily(world, "2026-03-02")
    reminder = await zhao.expect_message()
    await zhao.press(reminder, "📝 记录走访")
    await zhao.expect_message(contains="走访日期")
    assert reminder.inline_buttons()  # the reminder stays as it was


async def test_unbound_staff_get_nothing_and_are_reported(world: World):
    world.clock.set(at("2026-03-02"))
    result = await world.run_pass("daily")
    assert result["reminders"] == {"owed": 0, "unbound": 2, "blocked": 0}
    assert sent(world) == 0


@pytest.fixture
def daily_lead_policy(tmp_path: Path) -> Path:
    """Another cadence is another file: envoys reminded every day of the last week."""
    text = default_policy_path().read_text(encoding="utf-8").replace(
        "reminder_lead_days: [30, 14, 7, 2]", "reminder_lead_days: [30, 14, 7, 6, 5, 4, 3, 2, 1]")
    path = tmp_path / "daily.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_snooze_holds_reminders_for_three_days(db_url, botapi, clock, daily_lead_policy):
    async with start_world(db_url, botapi, clock, policy_file=daily_lead_policy) as world:
        zhao = await world.onboard("赵磊")
        await daily(world, "2026-03-24")  # 7 days left
        reminder = await zhao.expect_message(contains="还剩 7 天")
        await zhao.press(reminder, "⏰ 3天后再提醒")
        await zhao.expect_message(contains="2026-03-27 再提醒")
        # the press's answer is sent unawaited: it may arrive after the message
        toast = await botapi.wait_for(lambda: [a["text"] for a in zhao.callback_answers
                                              if "再提醒" in a.get("text", "")], "the toast")
        assert toast == ["好的，2026-03-27 再提醒您。"]
        for day in ("2026-03-25", "2026-03-26"):
            await daily(world, day)
            await zhao.expect_no_message()
        await daily(world, "2026-03-27")
        await zhao.expect_message(contains="还剩 4 天")


async def test_a_burst_of_500_reminders_under_rate_limits_and_429s(db_url, botapi, clock):
    """500 envoys each owe a Q1 visit; Telegram limits the rate and answers 429 several
    times. Time is virtual (the bot's throttle and the server's limit share one clock), so
    the run checks exact counts without waiting in real time."""
    from bot.services.container import Services
    from bot.store.models import Assignment, Cycle, Person, PersonRole, Region
    from tests.e2e.conftest import bot_settings

    timer = VirtualTimer()
    botapi.use_monotonic(timer.monotonic)
    services = Services.create(bot_settings(db_url, botapi), clock)
    users = [botapi.user(first_name=f"特派员{i}", started=True) for i in range(500)]
    now = clock.now()
    with services.uow() as uow:
        cycle = Cycle(start_date=date(2026, 1, 1), end_date=date(2027, 12, 31), created_at=now)
        uow.session.add(cycle)
        for i, user in enumerate(users):
            person = Person(name=f"特派员{i}", unit="u", ip_degree=True, telegram_id=user.id,
                            created_at=now, updated_at=now, roles=[PersonRole(role="envoy")])
            region = Region(county=f"县{i}", created_at=now)
            uow.session.add_all([person, region])
            uow.session.flush()
            uow.session.add(Assignment(cycle_id=cycle.id, person_id=person.id, role="envoy",
                                       region_id=region.id, start_date=cycle.start_date,
                                       end_date=cycle.end_date, created_at=now))
        uow.commit()
    services.close()
    botapi.rate_limit(global_per_sec=30, per_chat_per_sec=1)
    botapi.inject_error("sendMessage", status=429, retry_after=1, times=3)
    clock.set(at("2026-03-02"))
    async with start_world(db_url, botapi, clock, rosters=False, timer=timer) as world:
        timer.busy = lambda: world.runtime.sender.in_flight > 0
        result = await world.run_pass("daily")
        assert result["reminders"] == {"owed": 500, "unbound": 0, "blocked": 0}
        assert [len(u.messages) for u in users] == [1] * 500
        statuses = [c.status for c in botapi.calls("sendMessage")]
        assert statuses.count(429) == 3 and statuses.count(200) == 500
        assert world.runtime.sender.stats["retry_after"] == 3
        # 500 messages at 25 a second, plus the three 1-second holds, in virtual time
        assert 19.0 <= timer.monotonic() - 1000.0 < 25.0


async def test_cycle_end_and_evaluation_notices_reach_provincial_supervisors(world: World):
    province = await world.onboard("周洁")
    county = await world.onboard("郑华")  # notices go to the province level
    await daily(world, "2027-01-04")  # first working day of 2027: envoys' 2026 evaluation due
    notice = await province.expect_message(contains="评价提醒")
    assert "特派员" in notice.text and "赵磊" in notice.text and "孙悦" in notice.text
    await daily(world, "2027-01-05")
    await province.expect_no_message()  # once
    await daily(world, "2027-12-01")  # 30 days before the cycle ends on 2027-12-31
    await province.expect_message(contains="服务周期（2026-01-01 至 2027-12-31）将在 30 天后结束")
    await county.expect_no_message()
