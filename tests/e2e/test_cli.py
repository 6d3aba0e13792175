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
                 ["cycle", "roll", "--help"], ["assign", "end", "--help"],
                 ["assign", "transfer", "--help"], ["person", "leave", "--help"],
                 ["pool", "list", "--help"],
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
    nowhere = env | {"IPBOT_DATABASE_URL": "sqlite:////proc/1/no-such-dir/ipbot.sqlite3"}
    broken = console(["cycle", "list"], nowhere, tmp_path)  # nothing anticipated this one
    assert broken.returncode == 1 and broken.stderr.count("\n") == 1
    assert "--debug" in broken.stderr and "Traceback" not in broken.stderr
    debug = console(["--debug", "cycle", "list"], nowhere, tmp_path)
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


def test_roll_over_dry_run_then_real_with_the_diff(env, tmp_path):
    load_examples()
    # 孙悦 retires with the cycle: nothing ends early, but she is not carried over
    code, out, _ = ipbot("person", "leave", "孙悦", "--on", "2027-12-31", "--reason", "退休",
                         "--json")
    assert code == 0 and json.loads(out)["ended"] == []
    changes = tmp_path / "changes.csv"  # 赵磊 moves to 文成县; one entity is not continued
    changes.write_text("人员,服务对象,服务区域,变动\n"
                       "赵磊,,文成县,新增\n"
                       "陈静,景宁惠明茶科技有限公司,,取消\n"
                       "赵磊,,景宁畲族自治县,取消\n", encoding="utf-8")

    def diff(out: str) -> dict:
        data = json.loads(out)
        return {k: sorted((x.get("person"), x.get("target"), x.get("code")) for x in data[k])
                for k in ("kept", "ended", "added", "unserved")}

    code, out, _ = ipbot("cycle", "roll", "--start", "2028-01-01", "--changes", str(changes),
                         "--dry-run", "--json")
    assert code == 0 and json.loads(out)["dry_run"] is True
    planned = diff(out)
    assert planned == {
        "kept": [("李强", "浙江大学", None), ("李强", "浙江省人民医院", None),
                 ("王敏", "之江实验室", None), ("王敏", "浙江大学", None),
                 ("陈静", "丽水市智能装备技术创新中心", None)],
        "ended": [("孙悦", "嵊泗县", "roll.person_left"),
                  ("赵磊", "景宁畲族自治县", "roll.dropped"),
                  ("陈静", "景宁惠明茶科技有限公司", "roll.dropped")],
        "added": [("赵磊", "文成县", None)],
        "unserved": [(None, "嵊泗县", None), (None, "景宁惠明茶科技有限公司", None),
                     (None, "景宁畲族自治县", None)]}
    assert [c["start"] for c in json.loads(ipbot("cycle", "list", "--json")[1])] == [
        "2026-01-01"]  # a dry run keeps nothing
    code, out, _ = ipbot("cycle", "roll", "--start", "2028-01-01", "--changes", str(changes),
                         "--dry-run")
    assert code == 0 and "演练（未保存）" in out
    assert "  - 陈静 · 景宁惠明茶科技有限公司 · 按变动文件取消" in out
    code, out, _ = ipbot("cycle", "roll", "--start", "2028-01-01", "--changes", str(changes),
                         "--json")
    assert code == 0 and diff(out) == planned
    assert [c["start"] for c in json.loads(ipbot("cycle", "list", "--json")[1])] == [
        "2026-01-01", "2028-01-01"]
    code, _, err = ipbot("cycle", "roll", "--start", "2028-01-01")
    assert code == 1 and err.strip().count("\n") == 0 and "重叠" in err


def test_a_bad_file_of_changes_opens_no_cycle(env, tmp_path):
    load_examples()
    changes = tmp_path / "changes.csv"
    changes.write_text("人员,服务区域,变动\n何人,嵊泗县,新增\n孙悦,文成县,取消\n", encoding="utf-8")
    code, _, err = ipbot("cycle", "roll", "--start", "2028-01-01", "--changes", str(changes))
    assert code == 1 and "2 处问题" in err
    assert "第 2 行：找不到人员“何人”" in err and "第 3 行：新周期里没有“孙悦”对“文成县”" in err
    assert len(json.loads(ipbot("cycle", "list", "--json")[1])) == 1


def test_an_unreviewed_entity_is_refused_for_assignment_with_its_row_number(env, tmp_path):
    load_examples()
    entities = tmp_path / "entities.csv"
    entities.write_text("名称,类别,报送途径,审核\n温州医科大学,高校,逐级推荐,待审核\n",
                        encoding="utf-8")
    assert ipbot("import", "entities", str(entities))[0] == 0
    assignments = tmp_path / "assignments.csv"
    assignments.write_text("人员,服务对象\n王敏,浙江省人民医院\n王敏,温州医科大学\n",
                           encoding="utf-8")
    code, _, err = ipbot("import", "assignments", str(assignments))
    assert code == 1 and "第 3 行：服务对象“温州医科大学”尚未审核" in err
    assert "第 2 行" not in err
    code, out, _ = ipbot("--lang", "en", "import", "assignments", str(assignments), "--json")
    errors = json.loads(out)["errors"]
    assert code == 1 and [(e["row"], e["code"]) for e in errors] == [
        (3, "roster.entity_not_reviewed")]
    assert "has not been reviewed" in errors[0]["reason"]
    code, out, _ = ipbot("pool", "list", "--role", "entity", "--state", "submitted", "--json")
    assert code == 0 and [r["name"] for r in json.loads(out)] == ["温州医科大学"]


def test_warnings_merged_cells_title_rows_and_a_csv_named_xlsx(env, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2026年服务专员名单"])
    sheet.merge_cells("A1:I1")  # a merged title above the header
    sheet.append(["姓名", "角色", "手机", "派出单位", "知识产权相关专业", "在职", "审核", "培训",
                  "市"])
    sheet.append(["张伟", "服务专员", "13900000021", "温州市知识产权服务中心", "是", "是", "是",
                  "是", "温州市"])
    sheet.append(["李娜", "服务专员", "13900000022", None, "是", "是", "是", "是", None])
    sheet.merge_cells("D3:D4")  # one unit for both rows, as Excel shows it
    sheet.append(["张伟", "服务专员", "13900000023", "宁波市知识产权服务中心", "是", "是", "是",
                  "是", "宁波市"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    code, out, err = ipbot("import", "people", str(path))
    assert code == 0 and "新增 3" in out, err
    assert "提示 第 1 行：表头上方的标题行“2026年服务专员名单”已跳过" in err
    assert "提示 第 5 行：“张伟”与第 3 行同名" in err
    code, out, _ = ipbot("pool", "list", "--role", "commissioner", "--json")
    units = {r["name"]: r["where"] for r in json.loads(out) if r["name"] == "李娜"}
    assert units == {"李娜": "温州市知识产权服务中心"}
    code, out, _ = ipbot("import", "people", str(path), "--json")
    data = json.loads(out)
    assert code == 0 and data["unchanged"] == 3
    assert [(w["row"], w["code"]) for w in data["warnings"]] == [
        (1, "roster.title_skipped"), (5, "roster.same_name")]
    same_unit = tmp_path / "same.csv"
    same_unit.write_text("姓名,角色,手机,派出单位,知识产权相关专业,审核,培训\n"
                         "张伟,服务专员,13900000029,温州市知识产权服务中心,是,是,是\n",
                         encoding="utf-8")
    code, _, err = ipbot("import", "people", str(same_unit))
    assert code == 1 and "第 2 行" in err and "同一单位" in err

    renamed = tmp_path / "people2.xlsx"
    renamed.write_text("姓名,角色\n李四,服务专员\n", encoding="utf-8")
    code, _, err = ipbot("import", "people", str(renamed))
    assert code == 1 and err.strip().count("\n") == 0 and "不是 Excel（.xlsx）文件" in err


def test_lifecycle_commands_fail_in_one_line(env):
    load_examples()
    for args, needle in (
            (["assign", "end", "无名氏", "--region", "嵊泗县", "--on", "2026-06-30"], "无名氏"),
            (["assign", "end", "赵磊", "--region", "嵊泗县", "--entity", "浙江大学", "--on",
              "2026-06-30"], "二选一"),
            (["assign", "end", "赵磊", "--region", "嵊泗县", "--on", "2026-06-30"], "没有"),
            (["assign", "end", "赵磊", "--region", "景宁畲族自治县", "--on", "2026-6-31"],
             "YYYY-MM-DD"),
            (["assign", "transfer", "--region", "嵊泗县", "--from", "孙悦", "--to", "赵磊",
              "--on", "2026-07-01"], "第二个区域"),
            (["assign", "transfer", "--entity", "浙江大学", "--from", "王敏", "--to", "王敏",
              "--on", "2026-07-01"], "同一人"),
            (["person", "leave", "赵磊", "--on", "2026-06-30"], "--reason"),
            (["pool", "list", "--state", "nowhere"], "--state"),
            (["cycle", "roll", "--start", "2025-01-01"], "之前没有服务周期")):
        code, out, err = ipbot(*args)
        assert code == 1 and err.strip().count("\n") == 0 and needle in err, (args, err)
    code, out, _ = ipbot("--lang", "en", "assign", "transfer", "--region", "景宁畲族自治县",
                         "--from", "赵磊", "--to", "孙悦", "--on", "2026-07-01")
    assert code == 1
    code, out, _ = ipbot("assign", "end", "赵磊", "--region", "景宁畲族自治县", "--on",
                         "2026-06-30", "--reason", "调整", "--json")
    data = json.loads(out)
    assert code == 0 and data["ended"][0]["last_day"] == "2026-06-30"
    assert data["unserved"][0]["since"] == "2026-07-01"
    code, out, _ = ipbot("--lang", "en", "assign", "transfer", "--region", "嵊泗县", "--from",
                         "孙悦", "--to", "赵磊", "--on", "2026-07-01")
    assert code == 0 and "Transferred: 嵊泗县 from 孙悦 to 赵磊" in out


async def test_a_departure_from_the_command_line_reaches_the_supervisor(
        db_url, monkeypatch, tmp_path):
    """A command that owes messages writes them with the change and delivers them itself
    when no bot is running (the way ``ipbot reminders run`` does)."""
    import asyncio
    import time

    from bot.config import Settings
    from bot.fakeapi import FakeBotAPI
    from bot.services import identity, invites
    from bot.services.container import Services
    from bot.services.identity import TelegramUser
    from tests.conftest import TOKEN
    from tests.helpers import load_sample_rosters

    async with FakeBotAPI(token=TOKEN, bot_username="ipfield_test_bot") as server:
        svc = Services.create(Settings(token=TOKEN, database_url=db_url,
                                       _env_file=None))  # type: ignore[call-arg]
        try:
            load_sample_rosters(svc)
            zhou = server.user(first_name="周洁", started=True)
            identity.bind(svc, invites.issue(svc, person="周洁").code,
                          TelegramUser(zhou.id, "周洁", None))
        finally:
            svc.close()
        for key, value in {"IPBOT_DATABASE_URL": db_url, "IPBOT_TOKEN": TOKEN,
                           "IPBOT_API_BASE_URL": server.base_url,
                           "IPBOT_BOT_USERNAME": "ipfield_test_bot",
                           "IPBOT_FAKE_NOW": f"2026-03-02T10:00:00+08:00@{time.time()}"}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.chdir(tmp_path)
        code, out, err = await asyncio.to_thread(
            ipbot, "person", "leave", "赵磊", "--on", "2026-06-30", "--reason", "调离")
        assert code == 0, err
        assert "已通知：周洁" in out and "投递：成功 1" in out
        told = await zhou.expect_message(contains="赵磊")
        assert "景宁畲族自治县" in told.text and "自 2026-07-01 起" in told.text
        code, out, _ = await asyncio.to_thread(
            ipbot, "person", "leave", "赵磊", "--on", "2026-06-30", "--reason", "调离")
        assert code == 0 and "已于 2026-06-30 离库（未改变）" in out
        await zhou.expect_no_message()


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
