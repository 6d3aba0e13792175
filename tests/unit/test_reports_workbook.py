"""The digest workbooks: only the rows that need action (and the full detail one tap away);
localized bold frozen headers, totals first, typed cells, written in write-only mode."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bot.reports import (
    AdjustRow,
    DigestInput,
    FollowUpRow,
    Scope,
    build_digest,
    detail_workbook,
    digest_workbook,
)
from tests.unit.test_reports_support import NOW, digest_input

ZH_SHEETS = ["覆盖率", "逾期", "30天内到期", "异议", "待跟进", "逾期咨询", "需调整"]


def _open(digest, lang="zh", book=digest_workbook):
    return load_workbook(BytesIO(book(digest, lang)))


def _rows(ws, header=1):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=header + 1)]


def test_sheets_and_headers():
    wb = _open(build_digest(digest_input()))
    assert wb.sheetnames == ZH_SHEETS
    for ws in wb:
        header = 2 if ws.title == "覆盖率" else 1  # the coverage sheet has its total first
        assert ws.freeze_panes == f"A{header + 1}"
        assert all(c.font.b for c in ws[header]) and all(c.value for c in ws[header])
        assert all(ws.column_dimensions[c.column_letter].width >= 6 for c in ws[header])
        assert ws.auto_filter.ref.startswith(f"A{header}:")
    assert [c.value for c in wb["逾期"][1]] == [
        "人员", "角色", "服务对象/区域", "市", "县（市、区）", "周期开始", "截止日期", "逾期天数",
        "已完成次数", "要求次数", "最近走访",
    ]
    assert [c.value for c in wb["覆盖率"][2]] == ["市", "已完成", "待完成", "逾期", "应完成",
                                                 "覆盖率"]


def test_english_sheets():
    wb = _open(build_digest(digest_input()), "en")
    assert wb.sheetnames == ["Coverage", "Overdue", "Due within 30 days", "Disputes",
                             "Follow-ups", "Consultations", "To adjust"]
    assert wb["Overdue"]["B2"].value == "envoy"


def test_only_rows_that_need_action():
    digest = build_digest(digest_input())
    wb = _open(digest)
    # met, waived and upcoming windows and the week's visits are not in it…
    cells = {c.value for ws in wb for row in ws.iter_rows() for c in row}
    for value in ("宁波某校", "甬江实验室", "宁波某所", "V-0002"):  # met, waived, upcoming, visit
        assert value not in cells
    # …they are in the full detail, one tap away
    detail = _open(digest, book=detail_workbook)
    assert detail.sheetnames == ["覆盖率", "走访要求", "近7天走访", "未绑定"]
    assert len(_rows(detail["走访要求"])) == len(digest.obligations) == 13
    assert [r[0] for r in _rows(detail["近7天走访"])] == ["V-0001", "V-0006", "V-0005", "V-0002"]


def test_consultation_sheet_only_when_reported():
    wb = _open(build_digest(digest_input(consultations=None)))
    assert wb.sheetnames == [s for s in ZH_SHEETS if s != "逾期咨询"]


def test_cells_are_typed():
    wb = _open(build_digest(digest_input()))
    overdue = wb["逾期"]
    rows = _rows(overdue)
    # the longest overdue first: 李雷 (two windows), then 68, 68 and 9 days
    assert [r[0] for r in rows] == ["李雷", "李雷", "赵强", "钱多", "张伟"]
    assert rows[0][:5] == ["李雷", "特派员", "余杭区", "杭州市", "余杭区"]
    assert rows[0][5] == datetime(2025, 7, 1) and overdue["F2"].number_format == "yyyy-mm-dd"
    assert rows[0][7] == 160  # days overdue

    due = _rows(wb["30天内到期"])
    assert [r[0] for r in due] == ["赵强", "王敏", "李雷"]
    assert [r[7] for r in due] == [0, 5, 22]

    followups = wb["待跟进"]
    assert followups["A2"].value == datetime(2026, 3, 1, 9, 0)  # 01:00 UTC, shown local

    coverage = wb["覆盖率"]
    total = [c.value for c in coverage[1]]
    assert total[0] == "合计" and total[1:5] == [2, 4, 5, 11]
    assert total[5] == pytest.approx(2 / 11) and coverage["F1"].number_format == "0.0%"
    assert coverage["A1"].font.b
    rows = _rows(coverage, header=2)
    hangzhou = next(r for r in rows if r[0] == "杭州市")
    assert hangzhou[1:5] == [1, 2, 2, 5] and hangzhou[5] == pytest.approx(0.2)

    disputes = _rows(wb["异议"])
    assert [r[0] for r in disputes] == ["V-0009", "V-0008"]  # the latest first
    assert disputes[0][6] == "那天没人来" and disputes[1][6] is None
    assert "未绑定" not in wb.sheetnames  # the administrator's to-do: in the full detail
    detail = _open(build_digest(digest_input()), book=detail_workbook)
    assert _rows(detail["未绑定"])[0] == ["周杰", "服务专员", None, "杭州市", "余杭区"]
    assert [r[1] for r in _rows(wb["逾期咨询"])] == ["冯老师", "吴总"]


def test_people_to_adjust():
    row = AdjustRow("孙丽", "envoy", "舟山市市场监管局", "舟山市", "普陀区", "2026", "不称职", NOW)
    wb = _open(build_digest(digest_input(adjust=(row,))))
    assert _rows(wb["需调整"]) == [["孙丽", "特派员", "舟山市市场监管局", "舟山市", "普陀区",
                                    "2026", "不称职", datetime(2026, 3, 9, 9, 0)]]


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
    assert wb["逾期"].max_row == 1
    total = [c.value for c in wb["覆盖率"][1]]
    assert total[0] == "合计" and total[1:5] == [0, 0, 0, 0] and total[5] is None


def test_what_nobody_serves_has_a_sheet_only_when_there_is_some():
    from bot.reports import UnservedRow

    rows = (UnservedRow("region", "嵊泗县", "舟山市", "嵊泗县"),
            UnservedRow("entity", "浙江大学", "杭州市", "西湖区"))
    wb = _open(build_digest(digest_input(unserved=rows)))
    assert wb.sheetnames == [*ZH_SHEETS, "暂无人负责"]
    assert _rows(wb["暂无人负责"]) == [["服务对象", "浙江大学", "杭州市", "西湖区"],
                                       ["服务区域", "嵊泗县", "舟山市", "嵊泗县"]]
