from datetime import time
from pathlib import Path

import pytest
import yaml

from scheduler.policy import (
    Policy,
    PolicyError,
    default_policy,
    default_policy_path,
    load_policy,
    parse_policy,
)

SEED_COMMISSIONER = ["宣讲政策", "解答咨询", "了解情况", "指导业务", "协调事项", "提出建议"]
SEED_ENVOY = [
    "共促“双向直达”",
    "共商发展思路",
    "共研工作举措",
    "共抓改革试点",
    "共推重大项目",
    "共解疑难问题",
    "共创工作成果",
]


@pytest.fixture(scope="module")
def text() -> str:
    return default_policy_path().read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def write(tmp_path: Path, text: str, name: str = "zhejiang.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_default_policy_matches_seed():
    p = load_policy(default_policy_path())
    assert isinstance(p, Policy)
    c, e = p.roles.commissioner, p.roles.envoy
    assert [t.zh for t in c.tasks] == SEED_COMMISSIONER
    assert [t.zh for t in e.tasks] == SEED_ENVOY
    assert c.tasks[0].key == "publicize_policy"
    assert c.obligation.period == "year" and e.obligation.period == "quarter"
    assert c.obligation.min_visits == e.obligation.min_visits == 1
    assert c.obligation.counting_modes == e.obligation.counting_modes == ("on_site",)
    assert c.reminder_lead_days == (60, 30, 14, 7, 1)
    assert e.reminder_lead_days == (30, 14, 7, 2)
    assert c.evaluation.every == "cycle_end" and e.evaluation.every == "year"
    assert p.cycle_years == 2
    assert p.send_time == time(9, 0) and p.digest.time == time(9, 0)
    assert p.digest.weekday == "mon" and p.digest.weekday_index == 0
    assert str(p.tz) == "Asia/Shanghai"
    assert p.skip_non_working_days is True
    assert p.waive_windows_shorter_than_days == 30
    assert p.cycle_end_notice_days == 30
    assert p.consultation.claim_within_working_days == 1
    assert p.consultation.answer_within_working_days == 2
    assert p.consultation.close_after_days == 7
    assert p.consultation.max_new_per_asker_per_day == 10
    v = p.visit
    assert (v.edit_within_days, v.delete_within_hours) == (7, 24)
    assert (v.summary_min_chars, v.summary_max_chars, v.max_photos) == (10, 2000, 10)
    assert v.draft_idle_timeout_minutes == 120
    assert p.role("envoy") is e
    assert c.task("guide_business").zh == "指导业务"
    with pytest.raises(KeyError):
        p.role("supervisor")
    assert default_policy() is default_policy()


def test_policy_is_immutable():
    p = default_policy()
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        p.cycle_years = 3  # type: ignore[misc]


def test_negative_lead_names_file_and_line(tmp_path, text):
    bad = text.replace("reminder_lead_days: [30, 14, 7, 2]", "reminder_lead_days: [30, -14, 7, 2]")
    path = write(tmp_path, bad)
    with pytest.raises(PolicyError) as ei:
        load_policy(path)
    line = line_of(bad, "[30, -14, 7, 2]")
    msg = str(ei.value)
    assert f"zhejiang.yaml:{line}: " in msg
    assert "reminder_lead_days must be positive integers" in msg
    assert ei.value.line == line and ei.value.file.endswith("zhejiang.yaml")


def test_block_sequence_error_points_at_key(tmp_path, text):
    bad = text.replace(
        "reminder_lead_days: [60, 30, 14, 7, 1]",
        "reminder_lead_days:\n      - 60\n      - thirty",
    )
    with pytest.raises(PolicyError) as ei:
        load_policy(write(tmp_path, bad))
    assert f":{line_of(bad, 'reminder_lead_days:')}: " in str(ei.value)
    assert "roles.commissioner.reminder_lead_days" in str(ei.value)


@pytest.mark.parametrize(
    ("old", "new", "needle", "reason"),
    [
        ("period: quarter", "period: fortnight", "period: fortnight",
         "roles.envoy.obligation.period"),
        ("min_visits: 1\n      counting_modes: [on_site]\n      per: assignment\n    "
         "reminder_lead_days: [30",
         "min_visits: 0\n      counting_modes: [on_site]\n      per: assignment\n    "
         "reminder_lead_days: [30", "min_visits: 0", "greater than or equal to 1"),
        ("timezone: Asia/Shanghai", "timezone: Asia/Atlantis", "Asia/Atlantis",
         "unknown time zone"),
        ('send_time: "09:00"', "send_time: 9:00", "send_time: 9:00", 'quoted "HH:MM"'),
        ("max_photos: 10", "max_photoz: 10", "max_photoz", "visit.max_photoz: unknown setting"),
        ("cycle_years: 2 ", "cycle_years: two ", "cycle_years: two", "cycle_years"),
        ("counting_modes: [on_site]\n      per: assignment\n    reminder_lead_days: [30",
         "counting_modes: [on_site, carrier_pigeon]\n      per: assignment\n"
         "    reminder_lead_days: [30", "carrier_pigeon", "counting_modes.1"),
        ("summary_min_chars: 10", "summary_min_chars: 5000", "visit:",
         "summary_min_chars must not exceed summary_max_chars"),
        ("key: guide_business", "key: Guide Business", "Guide Business", "lower_snake_case"),
    ],
)
def test_errors_name_line_and_reason(tmp_path, text, old, new, needle, reason):
    assert old in text, old
    bad = text.replace(old, new, 1)
    with pytest.raises(PolicyError) as ei:
        load_policy(write(tmp_path, bad))
    msg = str(ei.value)
    assert f"zhejiang.yaml:{line_of(bad, needle)}: " in msg, msg
    assert reason in msg


def test_missing_section_points_at_parent(tmp_path, text):
    section = "    evaluation:\n      every: year                  # 每年进行全面评价\n"
    bad = text.replace(section, "")
    assert bad != text
    with pytest.raises(PolicyError) as ei:
        load_policy(write(tmp_path, bad))
    assert f":{line_of(bad, '  envoy:')}: roles.envoy.evaluation is required" in str(ei.value)


def test_yaml_syntax_error_has_line(tmp_path, text):
    bad = text.replace("  weekday: mon", "  weekday: [mon")
    with pytest.raises(PolicyError) as ei:
        load_policy(write(tmp_path, bad))
    assert "YAML syntax error" in str(ei.value)
    assert ei.value.line is not None and ei.value.line >= line_of(bad, "weekday: [mon")


def test_duplicate_key(tmp_path, text):
    bad = text.replace("cycle_years: 2 ", "cycle_years: 2\ncycle_years: 3 ")
    with pytest.raises(PolicyError, match=rf":{line_of(bad, 'cycle_years: 3')}: duplicate key"):
        load_policy(write(tmp_path, bad))


def test_not_a_mapping_and_missing_file(tmp_path):
    with pytest.raises(PolicyError, match=r"x\.yaml:1: policy must be a mapping"):
        load_policy(write(tmp_path, "- a\n- b\n", "x.yaml"))
    with pytest.raises(PolicyError, match=r"empty\.yaml:1:"):
        load_policy(write(tmp_path, "", "empty.yaml"))
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_parse_policy_from_text(text):
    assert parse_policy(text, "inline.yaml").name == "zhejiang"


def test_other_province_is_a_new_file(tmp_path, text):
    data = yaml.safe_load(text)
    data["name"] = "elsewhere"
    data["roles"]["envoy"]["obligation"].update(period="half_year", min_visits=2)
    data["roles"]["envoy"]["reminder_lead_days"] = [45, 10]
    p = load_policy(write(tmp_path, yaml.safe_dump(data, allow_unicode=True), "other.yaml"))
    assert p.roles.envoy.obligation.period == "half_year"
    assert p.roles.envoy.obligation.min_visits == 2
    assert p.roles.envoy.reminder_lead_days == (45, 10)


def test_grades_default_and_lookup(text):
    p = load_policy(default_policy_path())
    assert [g.zh for g in p.grades] == ["优秀", "称职", "基本称职", "不称职"]
    assert p.lowest_grade.key == "incompetent"
    assert p.grade("称职").key == "competent" and p.grade(" Excellent ").key == "excellent"
    assert p.grade("basically_competent").zh == "基本称职" and p.grade("良好") is None
    # a file without a scale gets the default one
    data = yaml.safe_load(text)
    del data["grades"]
    assert parse_policy(yaml.safe_dump(data, allow_unicode=True)).grades == p.grades


@pytest.mark.parametrize("grades, reason", [
    ([{"key": "pass", "zh": "合格", "en": "Pass"}], "at least two grades"),
    ([{"key": "a", "zh": "合格", "en": "A"}, {"key": "b", "zh": "合格", "en": "B"}],
     "must not repeat a grade's zh"),
    ([{"key": "A b", "zh": "好", "en": "Good"}, {"key": "c", "zh": "差", "en": "Bad"}],
     "lower_snake_case"),
])
def test_bad_grades_name_the_line(tmp_path, text, grades, reason):
    data = yaml.safe_load(text)
    data["grades"] = grades
    bad = yaml.safe_dump(data, allow_unicode=True)
    with pytest.raises(PolicyError, match=reason) as err:
        load_policy(write(tmp_path, bad))
    assert err.value.line == line_of(bad, "grades:") or (
        err.value.line is not None and err.value.line > line_of(bad, "grades:"))
