"""The digest workbook: sheets, localized bold frozen headers, typed cells."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bot.reports import DigestInput, FollowUpRow, Scope, build_digest, digest_workbook
from tests.unit.test_reports_support import NOW, digest_input

ZH_SHEETS = ["走访要求", "逾期", "近7天走访", "异议", "待跟进", "未绑定", "覆盖率", "逾期咨询"]


def _open(digest, lang="zh"):
    return load_workbook(BytesIO(digest_workbook(digest, lang)))


def _rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_sheets_and_headers():
    wb = _open(build_digest(digest_input()))
    assert wb.sheetnames == ZH_SHEETS
    for ws in wb:
        assert ws.freeze_panes == "A2"
        assert all(c.font.b for c in ws[1]) and all(c.value for c in ws[1])
        assert all(ws.column_dimensions[c.column_letter].width >= 6 for c in ws[1])
    assert [c.value for c in wb["走访要求"][1]] == [
        "人员", "角色", "服务对象/区域", "市", "县（市、区）", "周期开始", "截止日期", "状态",
        "剩余天数", "已完成次数", "要求次数", "最近走访",
    ]
    assert [c.value for c in wb["覆盖率"][1]] == [
        "市", "已完成", "待完成", "逾期", "应完成", "覆盖率"
    ]


def test_english_sheets():
    wb = _open(build_digest(digest_input()), "en")
    assert wb.sheetnames == ["Obligations", "Overdue", "Visits", "Disputes", "Follow-ups",
                             "Not linked", "Coverage", "Consultations"]
    assert wb["Visits"]["H1"].value == "Mode" and wb["Visits"]["H2"].value == "on site"


def test_consultation_sheet_only_when_reported():
    wb = _open(build_digest(digest_input(consultations=None)))
    assert wb.sheetnames == ZH_SHEETS[:-1]


def test_cells_are_typed():
    wb = _open(build_digest(digest_input()))
    obligations = wb["走访要求"]
    first = _rows(obligations)[0]  # the most urgent: an overdue window
    assert first[:5] == ["李雷", "特派员", "余杭区", "杭州市", "余杭区"]
    assert first[5] == datetime(2025, 7, 1) and obligations["F2"].number_format == "yyyy-mm-dd"
    assert first[7] == "逾期"
    assert obligations.max_row == 1 + 13

    overdue = wb["逾期"]
    assert [r[0] for r in _rows(overdue)] == ["李雷", "李雷", "赵强", "钱多", "张伟"]
    assert _rows(overdue)[0][7] == 160  # days overdue

    visits = _rows(wb["近7天走访"])
    assert [r[0] for r in visits] == ["V-0001", "V-0006", "V-0005", "V-0002"]
    assert visits[0][1] == datetime(2026, 3, 9) and visits[0][7] == "现场"

    followups = wb["待跟进"]
    assert followups["A2"].value == datetime(2026, 3, 1, 9, 0)  # 01:00 UTC, shown local
    assert followups["A2"].number_format == "yyyy-mm-dd hh:mm"

    coverage = wb["覆盖率"]
    rows = _rows(coverage)
    assert rows[2][:5] == ["杭州市", 1, 2, 2, 5]
    assert rows[2][5] == pytest.approx(0.2) and coverage["F4"].number_format == "0.0%"
    assert rows[-1][0] == "合计" and rows[-1][1:5] == [2, 4, 5, 11]
    assert rows[-1][5] == pytest.approx(2 / 11) and coverage.cell(coverage.max_row, 1).font.b

    disputes = _rows(wb["异议"])
    assert disputes[1][6] == "那天没人来" and disputes[0][6] is None
    assert _rows(wb["未绑定"])[0] == ["周杰", "服务专员", None, "杭州市", "余杭区"]
    assert [r[1] for r in _rows(wb["逾期咨询"])] == ["冯老师", "吴总"]


def test_text_never_becomes_a_formula():
    nasty = FollowUpRow("=1+1", "=HYPERLINK(\"http://x\")", "<b>&", "杭州市", "西湖区",
                        "bell\x07 and text", NOW)
    wb = _open(build_digest(digest_input(followups=(nasty,))))
    ws = wb["待跟进"]
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s"
    assert ws["C2"].value == '=HYPERLINK("http://x")' and ws["C2"].data_type == "s"
    assert ws["D2"].value == "<b>&"
    assert ws["G2"].value == "bell and text"


def test_empty_digest_still_has_headers():
    wb = _open(build_digest(DigestInput(Scope("province"), NOW, "Q1", consultations=())))
    assert wb.sheetnames == ZH_SHEETS
    assert wb["走访要求"].max_row == 1
    total = [c.value for c in wb["覆盖率"][2]]
    assert total[0] == "合计" and total[1:5] == [0, 0, 0, 0] and total[5] is None
