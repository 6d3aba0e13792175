"""The pure roster rules: header mapping, row validation, eligibility."""

from __future__ import annotations

from bot.domain import eligibility, rosters
from bot.domain.vocab import EntityCategory, Role


def rows(*cells: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    return [(i + 2, c) for i, c in enumerate(cells)]


def person(**over: str) -> dict[str, str]:
    base = {"name": "王敏", "role": "服务专员", "phone": "13800000001", "unit": "中心",
            "ip_degree": "是", "experience_years": "0", "in_service": "是"}
    return base | over


def test_headers_in_chinese_and_english_map_to_the_same_fields():
    zh, errors_zh = rosters.map_headers("people", ["姓名", "角色", "手机", "派出单位"])
    en, errors_en = rosters.map_headers("people", ["Name", "role", "phone", "unit"])
    assert errors_zh == errors_en == []
    assert zh == en == {0: "name", 1: "role", 2: "phone", 3: "unit"}


def test_header_problems_are_all_reported():
    _, errors = rosters.map_headers("people", ["姓名", "姓名", "血型"])
    codes = sorted(e.code for e in errors)
    assert codes == ["roster.duplicate_column", "roster.missing_column", "roster.unknown_column"]
    assert all(e.row == 1 for e in errors)


def test_roles_accept_chinese_english_and_several_at_once():
    parsed, errors = rosters.parse_rows("people", rows(person(role="服务专员、Envoy")))
    assert errors == []
    assert parsed[0].roles == {Role.COMMISSIONER, Role.ENVOY}  # type: ignore[union-attr]


def test_envoy_with_three_years_and_no_degree_is_ineligible():
    _, errors = rosters.parse_rows(
        "people", rows(person(role="特派员", ip_degree="否", experience_years="3")))
    assert [(e.row, e.code) for e in errors] == [(2, "roster.not_qualified")]
    assert errors[0].values["years"] == "5"


def test_commissioner_needs_two_years_or_a_degree_and_to_be_in_service():
    ok, errors = rosters.parse_rows("people", rows(
        person(ip_degree="否", experience_years="2"),
        person(name="李", phone="13800000002", ip_degree="否", experience_years="1.5"),
        person(name="赵", phone="13800000003", in_service="否"),
    ))
    assert [(e.row, e.code) for e in errors] == [(3, "roster.not_qualified")]
    # 在职=否 records a departure: judged by the service (someone new who "leaves" is judged
    # as joining, and is not in service)
    leaving = ok[1]
    assert isinstance(leaving, rosters.PersonRow) and leaving.leaving
    assert [e.code for e in rosters.eligibility_errors(leaving)] == ["roster.not_in_service"]


def test_every_bad_row_is_reported_with_its_number():
    _, errors = rosters.parse_rows("people", rows(
        person(), person(name="", phone="13800000009"), person(name="乙", phone="x1"),
        person(name="丙", phone="13800000004", ip_degree="maybe"),
        person(name="丁", phone="13800000001"),
    ))
    assert [(e.row, e.code) for e in errors] == [
        (3, "roster.required"), (4, "roster.bad_phone"), (5, "roster.bad_bool"),
        (6, "roster.duplicate_row")]


def test_entity_category_and_level_aliases():
    parsed, errors = rosters.parse_rows("entities", rows(
        {"name": "之江实验室", "category": "实验室", "level": "省级"},
        {"name": "某医院", "category": "hospital?", "level": ""},
    ))
    assert parsed[0].category is EntityCategory.LABORATORY  # type: ignore[union-attr]
    assert [(e.row, e.code) for e in errors] == [(3, "roster.bad_choice")]


def test_assignment_needs_exactly_one_target():
    _, errors = rosters.parse_rows("assignments", rows(
        {"person": "王敏", "entity": "甲", "region": "乙"},
        {"person": "王敏", "entity": "", "region": ""},
        {"person": "王敏", "entity": "甲", "start": "2026-13-01"},
    ))
    assert [(e.row, e.code) for e in errors] == [
        (2, "roster.entity_xor_region"), (3, "roster.entity_xor_region"), (4, "roster.bad_date")]


def test_same_envoy_twice_in_one_file_is_a_duplicate_region_row():
    _, errors = rosters.parse_rows("assignments", rows(
        {"person": "赵磊", "region": "景宁畲族自治县"},
        {"person": "孙悦", "region": "景宁畲族自治县"},
    ))
    assert [(e.row, e.code) for e in errors] == [(3, "roster.duplicate_row")]


def test_eligibility_thresholds_are_parameters():
    q = eligibility.Qualifications(in_service=True, ip_degree=False, experience_years=4)
    assert eligibility.check(Role.ENVOY, q) is not None
    assert eligibility.check(Role.ENVOY, q, {Role.ENVOY: 4}) is None
    assert eligibility.check(Role.SUPERVISOR, q) is None


def test_pool_states_in_chinese_or_english_and_not_stated_when_empty():
    from bot.domain.vocab import Route

    parsed, errors = rosters.parse_rows("people", rows(
        person(route="省级单位直接报送", reviewed="已审核", trained="是"),
        person(name="乙", phone="13800000002", route="via city and county", reviewed="pending",
               trained="no"),
        person(name="丙", phone="13800000003", route="", reviewed="", trained=""),
        person(name="丁", phone="13800000004", route="邮寄", reviewed="也许"),
    ))
    assert [(e.row, e.code) for e in errors] == [(5, "roster.bad_choice"), (5, "roster.bad_bool")]
    a, b, c = parsed  # type: ignore[misc]
    assert (a.route, a.reviewed, a.trained) == (Route.DIRECT, True, True)
    assert (b.route, b.reviewed, b.trained) == (Route.TIERED, False, False)
    assert (c.route, c.reviewed, c.trained) == (None, None, None)
    entities, errors = rosters.parse_rows("entities", rows(
        {"name": "甲", "category": "高校", "route": "逐级推荐", "reviewed": "否"}))
    assert errors == [] and (entities[0].route, entities[0].reviewed) == (  # type: ignore
        Route.TIERED, False)


def test_a_leaving_date_is_a_departure_and_needs_no_eligibility():
    parsed, errors = rosters.parse_rows("people", rows(
        person(ip_degree="否", experience_years="1", left_on="2026-06-30",
               left_reason="调离")))
    assert errors == []
    row = parsed[0]
    assert isinstance(row, rosters.PersonRow) and row.leaving
    assert (str(row.left_on), row.left_reason) == ("2026-06-30", "调离")


def test_two_people_of_one_name_are_a_warning_naming_both_rows():
    parsed, errors = rosters.parse_rows("people", rows(
        person(), person(phone="13800000009", unit="另一单位"),
        person(name="李", phone="13800000002")))
    assert errors == []
    warnings = rosters.same_name_warnings(parsed)
    assert [(w.row, w.code, w.values["first"]) for w in warnings] == [(3, "roster.same_name", 2)]


def test_a_title_row_above_the_header_is_skipped_with_a_warning():
    table = [["2026年服务专员名单", "2026年服务专员名单", None],  # a merged title, filled
             [None, "", None],
             ["姓名", "角色", "手机"],
             ["王敏", "服务专员", "13800000001"]]
    index, warnings = rosters.find_header("people", table)
    assert index == 2
    assert [(w.row, w.code, w.values["text"]) for w in warnings] == [
        (1, "roster.title_skipped", "2026年服务专员名单")]
    # a one-column header is a header, not a title
    assert rosters.find_header("regions", [["县"], ["嵊泗县"]]) == (0, [])
    # no header anywhere: the first row is reported as the header it should be
    assert rosters.find_header("people", [["x", "y"], ["1", "2"]]) == (0, [])


def test_assignment_rows_may_repeat_a_region_with_other_dates():
    _, errors = rosters.parse_rows("assignments", rows(
        {"person": "赵磊", "region": "景宁畲族自治县", "end": "2026-06-30"},
        {"person": "何平", "region": "景宁畲族自治县", "start": "2026-07-01"},
    ))
    assert errors == []
