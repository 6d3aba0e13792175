"""A real ``ipbot run`` process killed with SIGKILL in the middle of a visit, restarted on the
same database: the person continues at the same step with everything entered so far."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.fakeapi import FakeBotAPI
from bot.services import invites
from bot.services.container import Services
from bot.store.models import Visit
from tests.conftest import TOKEN
from tests.e2e.conftest import bot_settings
from tests.helpers import load_sample_rosters

pytestmark = pytest.mark.e2e


class BotProcess:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self, server: FakeBotAPI) -> None:
        before = len(server.calls("getUpdates"))
        script = Path(sys.executable).with_name("ipbot")
        self.proc = subprocess.Popen(  # noqa: ASYNC220 (start-up is instant; we poll below)
            [str(script), "run"], env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        for _ in range(300):  # polling has begun once getUpdates arrives
            if len(server.calls("getUpdates")) > before:
                return
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stderr.read().decode())  # type: ignore[union-attr]
            await asyncio.sleep(0.05)
        raise AssertionError("ipbot run did not start polling")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
async def process_world(db_url: str, tmp_path: Path) -> AsyncIterator[tuple]:
    async with FakeBotAPI(token=TOKEN, bot_username="ipfield_test_bot") as server:
        services = Services.create(bot_settings(db_url, server))
        load_sample_rosters(services)
        env = os.environ | {"IPBOT_TOKEN": TOKEN, "IPBOT_DATABASE_URL": db_url,
                            "IPBOT_API_BASE_URL": server.base_url,
                            "IPBOT_BOT_USERNAME": "ipfield_test_bot", "IPBOT_POLL_TIMEOUT": "1"}
        bot = BotProcess(env, tmp_path)
        try:
            yield server, services, bot
        finally:
            bot.stop()
            services.close()


async def test_sigkill_mid_visit_then_restart_resumes_with_the_same_data(process_world):
    server, services, bot = process_world
    await bot.start(server)
    user = server.user(first_name="王敏")
    await user.send(f"/start {invites.issue(services, person='王敏').code}")
    await user.expect_message(contains="王敏", timeout=15)
    await user.send("/visit")
    whom = await user.expect_message(timeout=10)
    await user.press(whom, "浙江大学")
    await user.expect_message(contains="走访日期", timeout=10)
    await user.send("昨天")
    how = await user.expect_message(contains="服务方式", timeout=10)
    await user.press(how, "🏢 现场（计入走访要求）")
    what = await user.expect_message(contains="哪些任务", timeout=10)
    await user.press(what, "▫️ 协调事项")
    await user.expect_edit(what, timeout=10)

    bot.kill()  # no shutdown, no flush: only what was committed survives
    await user.send("写在机器人停机期间的一条消息")  # waits in Telegram's queue
    await bot.start(server)

    # the message typed while the bot was down is not taken as a step answer (wrong step)
    await user.expect_message(contains="请点按钮选择任务", timeout=15)
    await user.send("/visit")
    offer = await user.expect_message(contains="未完成的走访记录（浙江大学", timeout=10)
    await user.press(offer, "▶️ 继续填写")
    what = await user.expect_message(contains="哪些任务", timeout=10)
    assert "✅ 协调事项" in [b for row in what.inline_buttons() for b, _ in row]
    await user.press(what, "下一步 ▶️")
    await user.expect_message(contains="简要说明本次服务情况", timeout=10)
    with services.uow() as uow:
        draft = uow.visits.open_draft(uow.people.by_name("王敏")[0].id)
        assert draft is not None and draft.step == "summary"
        assert draft.data["mode"] == "on_site" and draft.data["tasks"] == ["coordinate_matters"]
        assert uow.session.query(Visit).count() == 0
