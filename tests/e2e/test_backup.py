"""Backups of a running bot, and the backup/restore commands.

On SQLite, and on PostgreSQL when ``IPBOT_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import MetaData, inspect, select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.clock import FixedClock
from bot.fakeapi import FakeBotAPI
from bot.services import backup as backups
from bot.store.db import make_engine
from tests.conftest import TZ
from tests.e2e.conftest import start_world
from tests.e2e.test_visits import tap

pytestmark = pytest.mark.e2e
Rows = dict[str, list[tuple[object, ...]]]


# Delivery bookkeeping is written around a step too (the update recorded before it is
# processed, sent messages marked after): compared separately from the office's records.
DELIVERY = {"inbound_updates", "outbox", "instance_lease", "pass_runs", "blocked_chats"}


def table_rows(url: str, *, delivery: bool = True) -> Rows:
    """Every row of every table, sorted: what a restore must give back."""
    engine = make_engine(url)
    try:
        names = sorted(n for n in inspect(engine).get_table_names()
                       if delivery or n not in DELIVERY)
        meta = MetaData()
        meta.reflect(engine, only=names)
        with engine.connect() as conn:
            return {name: sorted((tuple(r) for r in conn.execute(select(meta.tables[name]))),
                                 key=repr) for name in names}
    finally:
        engine.dispose()


def suffix(url: str) -> str:
    return backups.SUFFIX[backups.backend(url)]


async def test_a_backup_mid_visit_restores_every_row_committed_before_it(
        db_url: str, botapi: FakeBotAPI, empty_database, tmp_path: Path):
    file = tmp_path / f"mid-visit{suffix(db_url)}"
    # before the daily send time: no catch-up pass runs, only the people below write
    clock = FixedClock(datetime(2026, 3, 2, 8, 30, tzinfo=TZ))
    async with start_world(db_url, botapi, clock) as world:
        user = await world.onboard("王敏")
        await user.send("/visit")
        step = await tap(user, await user.expect_message(contains="哪个服务对象"), "浙江大学")
        step = await tap(user, step, "昨天")
        assert "服务方式" in step.text
        await world.settle()
        before = table_rows(db_url, delivery=False)

        # the next step and the backup at once: the backup holds the state before that step
        # was committed or the state after it, never a mixture
        await user.press(step, "🏢 现场（计入走访要求）")
        written = await asyncio.to_thread(backups.backup, db_url, file)
        step = await user.expect_edit(step)
        assert "哪些任务" in step.text
        await world.settle()
        after_step = table_rows(db_url, delivery=False)
        assert after_step != before  # the step committed something
        await tap(user, step, "▫️ 了解情况")
        await tap(user, step, "下一步 ▶️")
        await user.send("走访了解专利布局情况，宣讲了最新政策。")
        step = await tap(user, await user.expect_message(contains="需求"), "⏭ 跳过")
        await user.press(step, "⏭ 跳过")
        await user.expect_message(contains="发送当前位置")
        await user.tap_keyboard("⏭ 跳过")
        await user.expect_message(contains="已跳过位置")
        step = await tap(user, await user.expect_message(contains="照片"), "⏭ 跳过")
        card = await tap(user, step, "✅ 我确认")
        assert "已提交，编号 V2026-000001" in (await tap(user, card, "✅ 提交")).text
        finished = table_rows(db_url)

    assert written.revision is not None and written.size == file.stat().st_size
    target = empty_database()
    restored = backups.restore(target, file)
    assert restored.revision == written.revision and not restored.upgraded
    rows = table_rows(target, delivery=False)
    assert rows in (before, after_step)
    assert finished["visits"] and not rows["visits"]  # the later visit is not in the backup
    assert len(rows["visit_drafts"]) == 1 and len(rows["people"]) == len(before["people"])


runner = CliRunner()


@pytest.fixture
def ipbot(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key in ("IPBOT_TOKEN", "IPBOT_BACKUP_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("IPBOT_DATABASE_URL", db_url)

    def run(*args: str, url: str | None = None) -> tuple[int, str, str]:
        if url is not None:
            monkeypatch.setenv("IPBOT_DATABASE_URL", url)
        result = runner.invoke(app, list(args))
        monkeypatch.setenv("IPBOT_DATABASE_URL", db_url)
        return result.exit_code, result.stdout, result.stderr

    return run


def one_line(text: str) -> bool:
    return text.strip() != "" and "\n" not in text.strip() and "Traceback" not in text


def test_backup_and_restore_commands(ipbot, db_url, services, empty_database, tmp_path):
    from tests.helpers import load_sample_rosters

    load_sample_rosters(services)
    file = tmp_path / f"office{suffix(db_url)}"
    code, out, _ = ipbot("--lang", "en", "backup", str(file))
    assert code == 0 and out.startswith(f"Backed up to {file}") and one_line(out)
    saved = table_rows(db_url)

    code, _, err = ipbot("backup", str(file))
    assert code == 1 and one_line(err) and "--force" in err
    code, _, err = ipbot("restore", str(file))  # the bot's own database holds data
    assert code == 1 and one_line(err) and "--force" in err
    code, _, err = ipbot("restore", str(tmp_path / "missing.dump"))
    assert code == 1 and one_line(err) and "missing.dump" in err
    (tmp_path / "notes.txt").write_text("not a backup\n")
    code, _, err = ipbot("--lang", "en", "restore", str(tmp_path / "notes.txt"))
    assert code == 1 and one_line(err) and err.startswith("Not a backup")

    (tmp_path / "a-file").write_text("")
    nowhere = ("postgresql+psycopg://ipbot@127.0.0.1:1/nowhere" if "postgresql" in db_url
               else f"sqlite:///{tmp_path / 'a-file' / 'ipbot.sqlite3'}")
    code, _, err = ipbot("--lang", "en", "restore", str(file), url=nowhere)
    assert code == 1 and one_line(err) and err.startswith("Cannot use the target database")

    target = empty_database()
    code, out, _ = ipbot("restore", str(file), url=target)
    assert code == 0 and one_line(out)
    assert table_rows(target) == saved
    code, _, err = ipbot("restore", str(file), url=target)  # now it holds data
    assert code == 1 and one_line(err)
    code, out, _ = ipbot("restore", "--force", str(file), url=target)
    assert code == 0 and table_rows(target) == saved
