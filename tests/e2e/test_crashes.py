"""The real ``ipbot run`` process, killed with SIGKILL at chosen points (failpoints), then
started again on the same database: the person and the served side each get exactly what
they are owed, once. Also: two processes on one database, and a start after downtime.

Every process runs on a fake timeline (``IPBOT_FAKE_NOW``), never on today's date.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.fakeapi import FakeBotAPI, FakeUser
from bot.services import identity, invites
from bot.services.container import Services
from bot.services.identity import TelegramUser
from bot.store.models import InboundUpdate, Visit, VisitConfirmation
from tests.conftest import TOKEN, TZ
from tests.e2e.conftest import WAIT, bot_settings, buttons
from tests.e2e.test_visits import tap, walk_to_review
from tests.helpers import load_sample_rosters

pytestmark = pytest.mark.e2e

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # a Monday, after the 09:00 send time


async def until(predicate, what: str, seconds: float = WAIT) -> None:  # type: ignore[no-untyped-def]
    """Wait for a condition on what no event announces (another process's output, its exit,
    the database it shares with the test), checked often, with a generous deadline. What the
    fake Bot API holds is waited for on its change events instead (``server.wait_for``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class BotProcess:
    """One ``ipbot run``; its output goes to a file the test can read."""

    def __init__(self, env: dict[str, str], cwd: Path, name: str) -> None:
        self.env, self.cwd, self.name = env, cwd, name
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = cwd / f"{name}.log"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def start(self, *args: str, **extra: str) -> None:
        """``ipbot run [args]`` with ``extra`` added to the environment."""
        script = Path(sys.executable).with_name("ipbot")
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(script), "run", *args], env=self.env | extra, cwd=self.cwd, stdout=out,
                stderr=subprocess.STDOUT)

    async def polling(self, server: FakeBotAPI, before: int) -> None:
        """Wait until this process polls (a getUpdates beyond ``before``)."""
        await until(lambda: len(server.calls("getUpdates")) > before or not self.alive(),
                    f"{self.name} to poll")
        assert self.alive(), self.output()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def died(self) -> int:
        assert self.proc is not None
        return await asyncio.to_thread(self.proc.wait)

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.died()

    async def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.died(), WAIT)
            except TimeoutError:
                self.proc.kill()
                await self.died()


class Office:
    """The fake Telegram, the database with the sample rosters, and bot processes."""

    def __init__(self, server: FakeBotAPI, services: Services, env: dict[str, str],
                 cwd: Path) -> None:
        self.server, self.services, self.env, self.cwd = server, services, env, cwd
        self.processes: list[BotProcess] = []

    def process(self, name: str = "bot", **env: str) -> BotProcess:
        proc = BotProcess(self.env | env, self.cwd, name)
        self.processes.append(proc)
        return proc

    async def start(self, name: str = "bot", **env: str) -> BotProcess:
        proc = self.process(name)
        before = len(self.server.calls("getUpdates"))
        proc.start(**env)
        await proc.polling(self.server, before)
        return proc

    def bind(self, name: str, *, entity: str | None = None) -> FakeUser:
        user = self.server.user(first_name=name, started=True)
        code = invites.issue(self.services, person=None if entity else name,
                             entity=entity).code
        identity.bind(self.services, code, TelegramUser(user.id, name, "zh-hans"))
        return user

    async def settled(self) -> None:
        """Until the process has taken every update and sent every owed message (read from
        the database it shares with the test)."""
        from bot.store.models import InboundUpdate, OutboxMessage

        def quiet() -> bool:
            with self.services.uow() as uow:
                pending = uow.session.scalar(select(func.count()).select_from(
                    OutboxMessage).where(OutboxMessage.status == "pending")) or 0
                waiting = uow.session.scalar(select(func.count()).select_from(
                    InboundUpdate).where(InboundUpdate.status == "pending")) or 0
            return not pending and not waiting and not self.server.pending_updates

        await until(quiet, "the bot to settle")

    def count(self, model) -> int:  # type: ignore[no-untyped-def]
        with self.services.uow() as uow:
            return uow.session.scalar(select(func.count()).select_from(model)) or 0


@asynccontextmanager
async def open_office(db_url: str, tmp_path: Path, **env: str) -> AsyncIterator[Office]:
    """The fake Telegram and the sample rosters; processes get ``env`` on top of the
    settings every process shares."""
    async with FakeBotAPI(token=TOKEN, bot_username="ipfield_test_bot") as server:
        services = Services.create(bot_settings(db_url, server))
        load_sample_rosters(services)
        shared = {k: v for k, v in os.environ.items() if not k.startswith("IPBOT_")} | {
            "IPBOT_TOKEN": TOKEN, "IPBOT_DATABASE_URL": db_url,
            "IPBOT_API_BASE_URL": server.base_url, "IPBOT_BOT_USERNAME": "ipfield_test_bot",
            "IPBOT_POLL_TIMEOUT": "1", "IPBOT_LEASE_SECONDS": "4",
            # the fake timeline: MONDAY is "now" at this epoch second, for every process
            "IPBOT_FAKE_NOW": f"{MONDAY.isoformat()}@{time.time()}"}
        found = Office(server, services, shared | env, tmp_path)
        try:
            yield found
        finally:
            for proc in found.processes:
                await proc.stop()
            services.close()


@pytest.fixture
async def office(db_url: str, tmp_path: Path) -> AsyncIterator[Office]:
    async with open_office(db_url, tmp_path) as found:
        yield found


async def test_sigkill_mid_visit_then_restart_resumes_with_the_same_data(office: Office):
    user = office.bind("王敏")
    bot = await office.start()
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "浙江大学")
    step = await tap(user, step, "昨天")
    step = await tap(user, step, "🏢 现场（计入走访要求）")
    await tap(user, step, "▫️ 协调事项")
    await bot.kill()  # no shutdown, no flush: only what was committed survives
    await user.send("写在机器人停机期间的一条消息")  # waits in Telegram's queue
    await office.start()
    await user.expect_message(contains="请点按钮选择任务")  # taken as input to the step
    await office.settled()  # an edit sent but not yet recorded before the kill: sent again
    assert "✅ 协调事项" in buttons(step)  # the message shows what was stored, no older state
    step = await tap(user, step, "下一步 ▶️")  # the same message's buttons still work
    assert "简要说明本次服务情况" in step.text
    with office.services.uow() as uow:
        draft = uow.visits.open_draft(uow.people.by_name("王敏")[0].id)
        assert draft is not None and draft.step == "summary"
        assert draft.data["mode"] == "on_site" and draft.data["tasks"] == ["coordinate_matters"]
    assert office.count(Visit) == 0


@pytest.mark.parametrize("point", ["submit.before_commit", "submit.after_commit",
                                   "outbox.recorded:reply"])
async def test_sigkill_at_each_point_of_a_submit_owes_everything_once(office: Office, point):
    contact = office.bind("刘经理", entity="浙江大学")
    user = office.bind("王敏")
    bot = await office.start()
    card = await walk_to_review(user, mode="📞 电话")
    await bot.stop()
    bot = await office.start("armed", IPBOT_FAILPOINTS=point)
    if point == "outbox.recorded:reply":
        office.server.hold_chat(contact.id)  # the confirmation request waits at Telegram
    await user.press(card, "✅ 提交")
    assert await bot.died() == -signal.SIGKILL, bot.output()
    assert f"failpoint {point}" in bot.output()
    office.server.release_chat(contact.id)  # the killed process's request goes nowhere
    await office.start("restarted")
    # (the number may skip one on PostgreSQL: a killed transaction still used its sequence)
    ask = await contact.expect_message(contains="V2026-00000")
    await office.server.wait_for(lambda: "已提交" in card.text, "the submit reply", WAIT)
    await office.settled()
    await user.expect_no_message(within=0)
    await contact.expect_no_message(within=0)
    assert office.count(Visit) == 1 and office.count(VisitConfirmation) == 1
    submitted = [c for c in office.server.calls("editMessageText")
                 if "已提交" in str(c.params.get("text")) and c.status == 200]
    assert len(submitted) == 1, "the reply went out once"
    assert [m.text for m in contact.messages].count(ask.text) == 1


async def test_sigkill_before_a_handed_on_update_is_stored_telegram_gives_it_again(
        office: Office):
    """The bot knows the sender, so the press is handed on before it is stored, to be stored
    by the commit of its effects. Killed before that commit: it was neither stored nor
    confirmed to Telegram, which gives it again to the restarted bot; it counts once."""
    contact = office.bind("刘经理", entity="浙江大学")
    user = office.bind("王敏")
    bot = await office.start()
    card = await walk_to_review(user, mode="📞 电话")
    await bot.stop()
    bot = await office.start("armed", IPBOT_FAILPOINTS="submit.before_commit")
    await user.send("/status")  # the new process looks him up once, and then knows him
    await user.expect_message()
    update_id = await user.press(card, "✅ 提交")
    assert await bot.died() == -signal.SIGKILL, bot.output()
    with office.services.uow() as uow:
        row = uow.session.get(InboundUpdate, update_id)
    if row is None:  # handed on unstored: Telegram was not told it arrived
        assert update_id in [u["update_id"] for u in office.server.pending_updates]
    else:  # its handler took over half a second (a busy machine): stored on its own first
        assert row.status == "pending"
    await office.start("restarted")
    ask = await contact.expect_message(contains="V2026-00000")
    await office.server.wait_for(lambda: "已提交" in card.text, "the submit reply", WAIT)
    await office.settled()
    await contact.expect_no_message(within=0)
    assert office.count(Visit) == 1 and office.count(VisitConfirmation) == 1
    assert [m.text for m in contact.messages].count(ask.text) == 1


async def test_sigkill_during_a_burst_of_ten_photos_keeps_all_ten(office: Office):
    user = office.bind("王敏")  # nothing is due for him in March: no reminder interleaves
    bot = await office.start()
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "浙江大学")
    step = await tap(user, step, "今天")
    step = await tap(user, step, "📞 电话")
    await tap(user, step, "▫️ 了解情况")
    await tap(user, step, "下一步 ▶️")
    await user.send("共商发展思路，了解县里的专利工作。")
    step = await tap(user, await user.expect_message(contains="需求"), "⏭ 跳过")
    step = await tap(user, step, "⏭ 跳过")
    assert "照片" in step.text
    await bot.stop()
    bot = await office.start("armed", IPBOT_FAILPOINTS="input.after_commit#3")
    await user.send_album(10)
    assert await bot.died() == -signal.SIGKILL, bot.output()
    await office.start("restarted")
    await office.server.wait_for(
        lambda: any("已收到第 10 张" in (m.text or "") for m in user.messages),
        "the tenth photo acknowledged", WAIT)
    with office.services.uow() as uow:
        draft = uow.visits.open_draft(uow.people.by_name("王敏")[0].id)
        assert len(draft.data["photos"]) == 10


async def test_two_instances_one_polls_the_other_takes_over_and_the_digest_goes_once(
        office: Office):
    province = office.bind("周洁")
    wang = office.bind("王敏")
    first = await office.start("first")
    await province.expect_message(contains="全省")  # Monday after 09:00: the week's digest
    second = office.process("second")
    second.start()
    await until(lambda: "another instance is active" in second.output(), "the standby line")
    assert second.alive()
    standby = second.output().count("another instance is active")
    assert standby == 1
    await wang.send("/help")
    await wang.expect_message(contains="可用命令")
    assert not [c for c in office.server.calls("getUpdates") if c.status == 409]
    await first.kill()
    await wang.send("/help")  # answered once the standby has taken over
    await wang.expect_message(contains="可用命令")
    assert "holds the lease" in second.output()
    digests = [m for m in province.messages if "全省" in (m.text or "")]
    assert len(digests) == 1  # the second instance found this week's digest done


async def test_down_at_nine_started_at_ten_with_a_slow_getme(office: Office):
    zhao = office.bind("赵磊")
    province = office.bind("周洁")
    office.server.inject_delay("getMe", 3.0)
    await office.start()  # MONDAY 10:00: today's reminders and the week's digest are due
    await zhao.expect_message(contains="还剩 29 天")
    await province.expect_message(contains="全省")
