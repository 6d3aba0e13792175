"""The administrators' CLI, invoked as ``ipbot`` would be (typer's runner, and one real
subprocess of the installed console script)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import EXAMPLES, ROOT

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"IPBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
              "IPBOT_BOT_USERNAME": "ipfield_test_bot"}
    for key in ("IPBOT_TOKEN", "IPBOT_ADMIN_CHAT_ID", "IPBOT_TIMEZONE", "IPBOT_API_BASE_URL",
                "IPBOT_WEBHOOK_URL", "IPBOT_WEBHOOK_SECRET", "IPBOT_HEALTH_LISTEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def ipbot(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def load_examples() -> None:
    for kind in ("people", "entities", "regions"):
        assert ipbot("import", kind, str(EXAMPLES / f"{kind}.csv"))[0] == 0
    assert ipbot("cycle", "create", "--start", "2026-01-01")[0] == 0
    assert ipbot("import", "assignments", str(EXAMPLES / "assignments.csv"))[0] == 0


def test_sample_rosters_cycle_and_invite(env):
    from bot.store import migrate

    code, out, _ = ipbot("db", "upgrade")
    assert code == 0 and f"（{migrate.head_revision(env['IPBOT_DATABASE_URL'])}）" in out
    code, out, _ = ipbot("import", "people", str(EXAMPLES / "people.csv"))
    assert code == 0 and "新增 9" in out
    for kind in ("entities", "regions"):
        assert ipbot("import", kind, str(EXAMPLES / f"{kind}.csv"))[0] == 0
    code, out, _ = ipbot("cycle", "create", "--start", "2026-01-01", "--json")
    assert code == 0 and json.loads(out) == {"id": 1, "start": "2026-01-01", "end": "2027-12-31"}
    code, out, _ = ipbot("--lang", "en", "import", "assignments",
                         str(EXAMPLES / "assignments.csv"))
    assert code == 0 and "8 created" in out
    code, out, _ = ipbot("import", "assignments", str(EXAMPLES / "assignments.csv"), "--json")
    assert json.loads(out)["unchanged"] == 8
    code, out, _ = ipbot("invite", "13800000001", "--json")
    invite = json.loads(out)
    assert code == 0 and invite["target"] == "王敏"
    assert invite["link"] == f"https://t.me/ipfield_test_bot?start={invite['code']}"
    code, out, _ = ipbot("invite", "--entity", "浙江大学")
    assert code == 0 and "https://t.me/ipfield_test_bot?start=" in out
    code, out, _ = ipbot("cycle", "list", "--json")
    assert [c["start"] for c in json.loads(out)] == ["2026-01-01"]


def test_bad_roster_lists_every_bad_row_and_imports_nothing(env, tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text(
        "姓名,角色,手机,派出单位,知识产权相关专业,知识产权工作年限,在职\n"
        "合格者,服务专员,13900000000,单位,是,0,是\n"
        "新人甲,特派员,13900000001,单位,否,3,是\n"
        "新人乙,服务专员,13900000002,单位,也许,2,是\n"
        ",服务专员,13900000003,单位,是,1,是\n"
        "新人丁,厨师,13900000004,单位,是,1,是\n", encoding="utf-8")
    code, _, err = ipbot("import", "people", str(bad))
    assert code == 1
    assert "4 处问题，未导入任何数据" in err
    for row in ("第 3 行：不符合特派员条件", "第 4 行：“知识产权相关专业”应填 是/否",
                "第 5 行：“姓名”不能为空", "第 6 行：未知角色“厨师”"):
        assert row in err
    code, out, _ = ipbot("import", "people", str(bad), "--json")
    assert code == 1 and [e["row"] for e in json.loads(out)["errors"]] == [3, 4, 5, 6]
    code, out, _ = ipbot("invite", "合格者")
    assert code == 1  # nothing was imported


def test_ineligible_envoy_and_second_region_are_rejected(env, tmp_path):
    load_examples()
    people = tmp_path / "p.csv"
    people.write_text("name,role,phone,unit,ip_degree,experience_years,in_service\n"
                      "New Envoy,envoy,13900000011,Unit,no,3,yes\n", encoding="utf-8")
    code, _, err = ipbot("--lang", "en", "import", "people", str(people))
    assert code == 1 and "row 2: not eligible as envoy" in err and "at least 5 years" in err
    more = tmp_path / "a.csv"
    more.write_text("人员,服务区域,服务周期\n赵磊,文成县,2026-01-01\n", encoding="utf-8")
    code, _, err = ipbot("import", "assignments", str(more))
    assert code == 1 and "赵磊" in err and "不能再分配第二个区域" in err


def test_every_command_has_help(env):
    for args in (["--help"], ["db", "upgrade", "--help"], ["import", "--help"],
                 ["cycle", "create", "--help"], ["cycle", "list", "--help"],
                 ["invite", "--help"], ["run", "--help"], ["status", "--help"],
                 ["reminders", "run", "--help"], ["digest", "send", "--help"],
                 ["knowledge", "lint", "--help"], ["knowledge", "gaps", "--help"],
                 ["knowledge", "proposals", "--help"], ["faq", "ask", "--help"],
                 ["evaluation", "pack", "--help"], ["evaluation", "record", "--help"],
                 ["evaluation", "letters", "--help"], ["archive", "export", "--help"],
                 ["archive", "cases", "--help"]):
        code, out, _ = ipbot(*args)
        assert code == 0 and "Usage" in out, args


def test_bad_input_exits_non_zero_with_a_clear_line(env, tmp_path):
    assert ipbot("import", "animals", "x.csv")[0] != 0
    code, _, err = ipbot("import", "people", str(tmp_path / "missing.csv"))
    assert code == 1 and "找不到文件" in err
    code, _, err = ipbot("cycle", "create", "--start", "2026-13-01")
    assert code == 1 and "YYYY-MM-DD" in err
    code, _, err = ipbot("invite", "王敏", "--entity", "浙江大学")
    assert code == 1 and "三选一" in err


def test_run_without_a_token_stops_with_one_line(env):
    code, _, err = ipbot("run")
    assert code == 2 and err.strip().count("\n") == 0 and "IPBOT_TOKEN" in err


def test_run_webhook_without_its_settings_stops_with_one_line(env, monkeypatch):
    monkeypatch.setenv("IPBOT_TOKEN", "1:abc")
    for key in ("IPBOT_WEBHOOK_URL", "IPBOT_WEBHOOK_SECRET", "IPBOT_WEBHOOK_LISTEN"):
        monkeypatch.delenv(key, raising=False)
    code, _, err = ipbot("run", "--webhook")
    assert code == 2 and err.count("\n") == 1 and "IPBOT_WEBHOOK_URL is not set" in err
    monkeypatch.setenv("IPBOT_WEBHOOK_URL", "https://bot.example.org/telegram")
    code, _, err = ipbot("run", "--webhook")
    assert code == 2 and err.count("\n") == 1 and "IPBOT_WEBHOOK_SECRET is not set" in err
    monkeypatch.setenv("IPBOT_WEBHOOK_SECRET", "too short")
    code, _, err = ipbot("run", "--webhook")
    assert code == 2 and err.count("\n") == 1 and "IPBOT_WEBHOOK_SECRET is invalid" in err
    assert "too short" not in err


def test_run_webhook_on_a_busy_port_stops_with_one_line(env, monkeypatch):
    import logging
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("IPBOT_TOKEN", "1:abc")
        monkeypatch.setenv("IPBOT_WEBHOOK_URL", "https://bot.example.org/telegram")
        monkeypatch.setenv("IPBOT_WEBHOOK_SECRET", "0123456789abcdef0123")
        monkeypatch.setenv("IPBOT_WEBHOOK_LISTEN", f"127.0.0.1:{port}")
        root = logging.getLogger()
        level = root.level
        try:
            code, _, err = ipbot("run", "--webhook")
        finally:  # run installed its log handler on the runner's (now closed) stream
            for handler in [h for h in root.handlers if h.get_name() == "ipbot"]:
                root.removeHandler(handler)
            root.setLevel(level)
    assert code == 2 and err.count("\n") == 1, err
    assert f"cannot listen on 127.0.0.1:{port} (IPBOT_WEBHOOK_LISTEN)" in err


def test_console_script_reports_a_malformed_setting_in_one_line(env, tmp_path):
    script = Path(sys.executable).with_name("ipbot")
    environ = os.environ | env | {"IPBOT_TIMEZONE": "Mars/Olympus", "IPBOT_TOKEN": "1:abc"}
    result = subprocess.run([str(script), "cycle", "list"], capture_output=True, text=True,
                            env=environ, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("配置错误：IPBOT_TIMEZONE is invalid: "
                                     "Value error, unknown time zone 'Mars/Olympus'")


def test_faq_ask_json_and_audience(env):
    code, out, _ = ipbot("faq", "ask", "特派员 走访 频次", "--json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "answer"
    assert data["matches"][0]["id"] == "zj-envoy-visit-frequency"
    assert set(data["matches"][0]) == {"id", "kind", "question", "answer", "source", "score"}
    assert "浙质标知办〔2025〕3号" in data["matches"][0]["source"]
    code, out, _ = ipbot("faq", "ask", "明天杭州天气怎么样", "--json")
    assert json.loads(out) == {"status": "none", "matches": []}
    staff_only = "用 /visit 记录走访要填哪些内容？"
    assert json.loads(ipbot("faq", "ask", staff_only, "--as", "staff", "--json")[1])[
        "matches"][0]["id"] == "bot-visit-steps"
    public = json.loads(ipbot("faq", "ask", staff_only, "--as", "enterprise", "--json")[1])
    assert all(m["id"] != "bot-visit-steps" for m in public["matches"])
    assert ipbot("faq", "ask", "x", "--as", "martian")[0] == 1


def test_knowledge_lint_reports_file_and_line(env, tmp_path):
    from bot.faq import load_folder

    code, out, _ = ipbot("knowledge", "lint")
    assert code == 0 and str(len(load_folder(ROOT / "knowledge"))) in out
    assert "501" in out  # statute articles, all citations and quotes checked
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "source:\n  id: a\n  title: T\n  issuer: I\n  number: null\n  date: null\n"
        "  region: null\nentries:\n  - id: Bad_Id\n    question: 问题\n    alternates: [一, 二]\n"
        "    answer: 答\n    section: s\n    audience: nobody\n    tags: []\n", encoding="utf-8")
    code, _, err = ipbot("knowledge", "lint", str(folder))
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) >= 3
    assert all(line.startswith(str(folder / "a.yaml") + ":") or line.startswith("a.yaml:")
               for line in lines)
    assert any(":9:" in line for line in lines)  # the id's line


def test_knowledge_gaps_lists_logged_gaps(env):
    from bot.config import load_settings
    from bot.services import faq
    from bot.services.container import Services

    assert ipbot("db", "upgrade")[0] == 0
    svc = Services.create(load_settings())
    for _ in range(2):
        faq.ask(svc, None, "明天杭州天气怎么样")
    svc.close()
    code, out, _ = ipbot("knowledge", "gaps", "--json")
    gaps = json.loads(out)
    assert code == 0 and gaps[0]["count"] == 2
    code, out, _ = ipbot("knowledge", "gaps", "--since", "2999-01-01")
    assert "没有记录到知识缺口" in out


def test_run_with_a_malformed_policy_stops_with_file_line_and_reason(env, tmp_path, monkeypatch):
    from scheduler.policy import default_policy_path

    bad = tmp_path / "policy.yaml"
    bad.write_text(default_policy_path().read_text(encoding="utf-8").replace(
        "reminder_lead_days: [30, 14, 7, 2]", "reminder_lead_days: [30, -14]"), encoding="utf-8")
    monkeypatch.setenv("IPBOT_TOKEN", "1:abc")
    monkeypatch.setenv("IPBOT_POLICY_FILE", str(bad))
    code, _, err = ipbot("run")
    assert code == 2 and err.count("\n") == 1
    assert "policy.yaml:" in err and "reminder_lead_days" in err


def console(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("ipbot")
    return subprocess.run([str(script), *args], capture_output=True, text=True,
                          env=os.environ | env, cwd=cwd, timeout=120)


def test_failures_are_one_line_and_debug_shows_the_traceback(env, tmp_path):
    fake = tmp_path / "people.xlsx"
    fake.write_text("姓名,角色\n王敏,服务专员\n", encoding="utf-8")  # a CSV named .xlsx
    result = console(["import", "people", str(fake)], env, tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    debug = console(["--debug", "import", "people", str(fake)], env, tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_an_unreachable_bot_api_is_one_line(env, tmp_path):
    nowhere = {"IPBOT_TOKEN": "1:abc", "IPBOT_API_BASE_URL": "http://127.0.0.1:9/bot",
               "IPBOT_BOT_USERNAME": ""}  # empty: unset, so invite must ask getMe
    assert console(["import", "people", str(EXAMPLES / "people.csv")], env,
                   tmp_path).returncode == 0
    invite = console(["invite", "王敏"], env | nowhere, tmp_path)
    assert invite.returncode == 2 and invite.stderr.count("\n") == 1
    assert "IPBOT_BOT_USERNAME" in invite.stderr and "Traceback" not in invite.stderr
    run = console(["run"], env | nowhere, tmp_path)
    assert run.returncode == 1 and run.stderr.count("\n") == 1, run.stderr
    assert "无法连接 Bot API（http://127.0.0.1:9/bot）" in run.stderr


def test_env_example_with_only_the_token_filled_in_starts(tmp_path, monkeypatch):
    from bot.config import load_settings

    text = (ROOT / ".env.example").read_text(encoding="utf-8").replace(
        "IPBOT_TOKEN=", "IPBOT_TOKEN=123:abc", 1)
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith("IPBOT_")]:
        monkeypatch.delenv(key)
    settings = load_settings()
    assert settings.require_token() == "123:abc"
    assert settings.admin_chat_id is None and settings.bot_username is None


def test_evaluation_commands_without_visits(env, tmp_path):
    """Periods, packs and letters on the sample rosters (nobody has visited yet); every
    failure is one line and a non-zero exit."""
    load_examples()
    at = ("--at", "2027-01-05T10:00")
    code, out, _ = ipbot("evaluation", "pack", "赵磊", "--out", str(tmp_path), "--json", *at)
    pack = json.loads(out)  # the default period: the latest that has ended
    assert code == 0 and (pack["period"], pack["role"]) == ("2026", "envoy")
    assert (pack["visits"], pack["windows_met"], pack["windows_total"]) == (0, 0, 4)
    assert all(Path(f).exists() for f in pack["files"])
    code, out, _ = ipbot("evaluation", "pack", "王敏", "--out", str(tmp_path), "--lang", "en",
                         *at)
    assert code == 0 and "王敏-2026-2027.xlsx" in out and "obligations met on time 0/4" in out
    for args, message in (
            (("evaluation", "pack", "无名氏"), "找不到"),
            (("evaluation", "pack", "赵磊", "--period", "2031"), "可选：2026、2027"),
            (("evaluation", "pack", "周洁"), "不是服务专员或特派员"),
            (("evaluation", "pack", "赵磊", "--out", "/proc/no/such/dir", *at), "无法写入"),
            (("evaluation", "record", "赵磊", "--period", "2027", "--grade", "称职",
              "--by", "周洁", "--at", "2026-06-01"), "尚未开始"),
            (("--lang", "en", "evaluation", "record", "赵磊", "--period", "2026", "--grade",
              "称职", "--by", "钱峰", "--comment", "长" * 1001, *at), "within 1000"),
            (("archive", "cases", "--quarter", "2026-Q5", "--out", str(tmp_path / "c.xlsx")),
             "2026-Q1")):
        code, _, err = ipbot(*args)
        assert code == 1 and message in err and err.count("\n") == 1, (args, err)
    code, out, _ = ipbot("evaluation", "record", "赵磊", "--period", "2026", "--grade", "优秀",
                         "--by", "钱峰", "--json", *at)  # an administrator may record too
    assert code == 0 and json.loads(out)["grade"] == "excellent"
    code, out, _ = ipbot("evaluation", "letters", "--period", "2026", "--out",
                         str(tmp_path / "letters"), "--json", *at)
    letters = json.loads(out)
    assert code == 0 and (letters["units"], letters["people"], letters["evaluated"]) == (2, 2, 1)
