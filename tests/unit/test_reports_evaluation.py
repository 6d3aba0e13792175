"""The evaluation pack, feedback letters and archive workbooks (pure): figures, sheets with
their totals first and frozen headers, and PDFs whose Chinese is text (with the embedded
TrueType font, and with reportlab's built-in CID font when no font file is installed)."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bot.reports import pdf
from bot.reports.archive import (
    ArchiveConsultation,
    ArchiveEdit,
    ArchiveInput,
    ArchiveMessage,
    ArchiveVisit,
    CaseRow,
    archive_workbook,
    cases_workbook,
)
from bot.reports.evaluation import (
    PackChange,
    PackConfirmation,
    PackConsultation,
    PackFollowUp,
    PackInput,
    PackRecord,
    PackRecordChange,
    PackVisit,
    PackWindow,
    file_stem,
    pack_figures,
    pack_pdf,
    pack_workbook,
    rows_for_json,
)
from bot.reports.fonts import FontMissing
from bot.reports.letters import LetterInput, LetterPerson, file_name, letter_pdf, letters_pdf
from bot.reports.xlsx import Col, add_sheet, new_workbook, sheet_title, to_bytes
from scheduler.policy import default_policy
from tests.unit.test_reports_support import SH

POLICY = default_policy()
NOW = datetime(2027, 1, 5, 10, 0, tzinfo=SH)


def t(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SH)


def window(month: int, state: str, counted: int = 0, on_time: int = 0) -> PackWindow:
    end = date(2026, month + 2, 30 if month + 2 in (6, 9) else 31)
    return PackWindow("景宁畲族自治县", "丽水市", "景宁畲族自治县", date(2026, month, 1), end, 1,
                      counted, on_time, state, None)


PACK = PackInput(
    "赵磊", "浙江省专利代理师协会", "envoy", "2026", date(2026, 1, 1), date(2026, 12, 31), NOW,
    POLICY.roles.envoy.tasks, POLICY.grades,
    windows=(window(1, "met", 1, 1), window(4, "late", 1, 0), window(7, "missed"),
             window(10, "met", 2, 2)),
    visits=(
        PackVisit("V1", date(2026, 2, 20), t("2026-02-20"), "景宁畲族自治县", "on_site",
                  ("discuss_development", "create_results"), "座谈", "confirmed", (5,),
                  "推动惠明茶地理标志品牌建设"),
        PackVisit("V2", date(2026, 3, 1), t("2026-03-01"), "景宁畲族自治县", "phone",
                  ("two_way_direct_reach",), "电话", "disputed", (2,), None),
        PackVisit("V3", date(2026, 5, 1), t("2026-07-02"), "景宁畲族自治县", "on_site",
                  ("discuss_development",), "座谈", "pending", (), None),
        PackVisit("V4", date(2026, 11, 2), t("2026-11-02"), "景宁畲族自治县", "drone", (),
                  "?", "none", (), None),
    ),
    confirmations=(
        PackConfirmation("V1", date(2026, 2, 20), "景宁畲族自治县", "小李", "confirmed", 5, None,
                         t("2026-02-21")),
        PackConfirmation("V2", date(2026, 3, 1), "景宁畲族自治县", "小李", "disputed", 2,
                         "当天没有联系我们", t("2026-03-02")),
    ),
    consultations=(
        PackConsultation(1, "某企业", t("2026-04-03"), t("2026-04-03", 11), t("2026-04-07"),
                         t("2026-04-07"), t("2026-04-08"), "answered", False, None),
        PackConsultation(2, "某企业", t("2026-04-03"), t("2026-04-08"), t("2026-04-09"),
                         t("2026-04-07"), t("2026-04-08"), "closed", True, 4),
    ),
    followups=(PackFollowUp("V1", "景宁畲族自治县", "协助申报", "resolved", t("2026-02-20"),
                            t("2026-03-01")),
               PackFollowUp("V2", "景宁畲族自治县", "补充材料", "open", t("2026-03-01"), None)),
    changes=(PackChange(t("2026-07-03"), "V3", "edit", ("summary", "location"), "补充内容"),
             PackChange(t("2026-07-04"), "V9", "delete", (), None)),
    record=PackRecord(POLICY.grades[3], "走访不够均衡", "周洁", NOW, NOW),
    history=(PackRecordChange(NOW, "周洁", None, "incompetent", None, "走访不够均衡", None),),
)


def test_figures():
    fig = pack_figures(PACK)
    assert (fig.visits, fig.on_site) == (4, 2)
    assert (fig.windows_met, fig.windows_late, fig.windows_missed, fig.windows_total) == (
        2, 1, 1, 4)
    assert (fig.confirmed, fig.disputed, fig.unconfirmed) == (1, 1, 1)
    assert (fig.ratings, fig.rating_avg) == (2, 3.5)
    assert (fig.consultations, fig.claimed_on_time, fig.answered, fig.answered_on_time) == (
        2, 1, 2, 1)
    assert (fig.followups_opened, fig.followups_closed) == (2, 1)
    assert (fig.edits, fig.deletions, fig.typical_cases) == (1, 1, 1)
    assert dict(fig.by_mode) == {"on_site": 2, "phone": 1, "video": 0, "online": 0, "drone": 1}
    assert list(dict(fig.by_task))[:7] == [t.key for t in POLICY.roles.envoy.tasks]
    assert dict(fig.by_task)["discuss_development"] == 2
    assert list(rows_for_json(fig))[:8] == [
        "visits", "on_site", "windows_met", "windows_total", "confirmed", "disputed",
        "consultations", "answered_on_time"]


def test_workbook_sheets_totals_first_and_frozen():
    book = load_workbook(io.BytesIO(pack_workbook(PACK)))
    assert book.sheetnames == ["总览", "走访要求", "走访记录", "方式与任务", "确认与评分",
                               "解答咨询", "跟进事项", "修改与删除", "评价记录"]
    summary = dict(book["总览"].iter_rows(min_row=2, values_only=True))
    assert summary["评价等次"] == "不称职" and summary["评语"] == "走访不够均衡"
    assert summary["走访要求"].startswith("按时完成 2/4，补录完成 1，未完成 1")
    for ws in book.worksheets[1:]:
        assert ws["A1"].value == "合计" and ws["A1"].font.b  # totals first
        assert ws.freeze_panes == "A3" and all(c.font.b for c in ws[2])
    visits = list(book["走访记录"].iter_rows(min_row=3, values_only=True))
    assert visits[0][:2] == ("V1", datetime(2026, 2, 20))
    assert visits[0][5] == "共商发展思路、共创工作成果"
    assert visits[0][9] == "推动惠明茶地理标志品牌建设"
    assert visits[2][2] == datetime(2026, 7, 2, 10, 0)  # recorded at, local
    changes = list(book["修改与删除"].iter_rows(min_row=3, values_only=True))
    assert changes[0][2:] == ("修改", "服务情况、位置", "补充内容")
    consult = list(book["解答咨询"].iter_rows(min_row=3, values_only=True))
    assert [(c[4], c[6]) for c in consult] == [("是", "是"), ("否", "否")]
    en = load_workbook(io.BytesIO(pack_workbook(PACK, "en")))
    assert en.sheetnames[0] == "Summary" and en["Obligations"]["I3"].value == "met"


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_in_chinese_and_english():
    data = pack_pdf(PACK)
    assert data.startswith(b"%PDF")
    text = _text(data).replace("\n", "")
    for part in ("特派员评价材料：赵磊（2026）", "浙江省专利代理师协会", "不称职", "补录完成",
                 "当天没有联系我们", "补充内容", "共创工作成果"):
        assert part in text, part
    en = _text(pack_pdf(PACK, "en"))
    assert "Evaluation pack: envoy 赵磊 (2026)" in en and "met late" in en
    assert file_stem(PACK) == "赵磊-2026"


def test_pdf_without_a_font_file_uses_the_built_in_cid_font(monkeypatch):
    def missing() -> str:
        raise FontMissing()

    pdf.font_name.cache_clear()
    pdf.styles.cache_clear()
    try:
        with monkeypatch.context() as m:
            m.setattr(pdf, "cjk_font_path", missing)
            assert pdf.font_name() == pdf.CID_FONT
            data = pack_pdf(PACK)
            assert b"STSong-Light" in data and "赵磊" in _text(data)
    finally:
        pdf.font_name.cache_clear()
        pdf.styles.cache_clear()
    assert pdf.font_name() == pdf.TTF_NAME  # the installed font again


def letter(unit: str, people: tuple[LetterPerson, ...]) -> LetterInput:
    return LetterInput(unit, "envoy", "2026", date(2026, 1, 1), date(2026, 12, 31), NOW,
                       POLICY.grades, people)


def test_letters():
    people = (LetterPerson("赵磊", "incompetent", "走访不够均衡", 4, 3, 2, 4, 1, 1, 3.5, 0, 0),
              LetterPerson("孙悦", None, None, 0, 0, 0, 4, 0, 0, None, 0, 0))
    text = _text(letter_pdf(letter("浙江省专利代理师协会", people))).replace("\n", "")
    for part in ("关于特派员 2026 评价结果的反馈函", "浙江省专利代理师协会：", "赵磊", "不称职",
                 "尚未评价", "3/4", "2/4", "走访不够均衡", "职称评聘", "2027年1月5日"):
        assert part in text, part
    both = letters_pdf([letter("甲单位", people[:1]), letter("乙单位", people[1:])])
    assert len(PdfReader(io.BytesIO(both)).pages) == 2  # each letter on its own page
    assert file_name(letter("a/b:c", ())) == "a_b_c-2026.pdf"
    assert file_name(letter("甲", ()), with_role=True) == "甲-2026-envoy.pdf"


def test_archive_workbook():
    visit = ArchiveVisit(
        "V1", date(2026, 3, 1), "陈静", "commissioner", "惠明茶", "丽水市", "景宁畲族自治县",
        "on_site", ("guide_business",), "指导", "培训", (("联系市局", "open"),), 27.98, 119.63,
        False, ("AgAD-1", "AgAD-2"), (("茶企联系人", "confirmed", 4, "很好"),), "亮点",
        t("2026-03-01"), t("2026-03-02"), None)
    gone = ArchiveVisit(
        "V2", date(2026, 3, 2), "陈静", "commissioner", "惠明茶", "丽水市", "景宁畲族自治县",
        "phone", (), "=1+1", None, (), None, None, None, (), (), None, t("2026-03-02"),
        t("2026-03-02"), t("2026-03-02", 12))
    inp = ArchiveInput(
        "entity", "惠明茶", NOW, POLICY.roles.commissioner.tasks, POLICY.grades,
        visits=(visit, gone),
        edits=(ArchiveEdit("V1", t("2026-03-02"), "edit", "陈静", ("needs",), "补录"),
               ArchiveEdit("V2", t("2026-03-02", 12), "delete", "陈静", (), None)),
        consultations=(ArchiveConsultation(
            1, "惠明茶", "丽水市", "景宁畲族自治县", "茶企联系人", "问", "closed", "陈静",
            t("2026-03-03"), None, None, None, True, 5),),
        messages=(ArchiveMessage(1, t("2026-03-03", 11), "owner", "陈静", "答"),))
    book = load_workbook(io.BytesIO(archive_workbook(inp)))
    assert book.sheetnames == ["总览", "走访记录", "修改记录", "咨询", "咨询往来"]
    ws = book["走访记录"]
    assert ws["H1"].value == "1 次（现场 1 次；另有已删除 1 次）"
    header = [c.value for c in ws[2]]
    first = dict(zip(header, [c.value for c in ws[3]], strict=True))
    assert first["照片（file_id）"] == "AgAD-1\nAgAD-2"
    assert first["确认与评价"] == "茶企联系人: 已确认 4★ “很好”"
    assert first["修改记录"].startswith("2026-03-02 10:00 修改 [需求]：补录")
    assert first["跟进事项"] == "联系市局（待办）" and first["实时位置"] == "否"
    second = dict(zip(header, [c.value for c in ws[4]], strict=True))
    assert second["服务情况"] == "=1+1" and ws["J4"].data_type == "s"
    assert second["删除时间"] == datetime(2026, 3, 2, 12, 0)
    person = load_workbook(io.BytesIO(archive_workbook(ArchiveInput(
        "person", "陈静", NOW, (), POLICY.grades)))).sheetnames
    assert person[-1] == "评价结果"


def test_cases_workbook():
    row = CaseRow("V1", date(2026, 2, 1), "陈静", "commissioner", "某单位", "惠明茶", "丽水市",
                  "景宁畲族自治县", "on_site", ("guide_business",), "指导", "亮点",
                  t("2026-02-02"), "confirmed")
    book = load_workbook(io.BytesIO(cases_workbook((row,), "2026-Q1", NOW,
                                                   POLICY.roles.commissioner.tasks)))
    ws = book["典型案例 2026-Q1"]
    assert ws["B1"].value == 1
    assert [c.value for c in ws[3]][:11] == [
        "V1", datetime(2026, 2, 1), "陈静", "服务专员", "某单位", "惠明茶", "丽水市",
        "景宁畲族自治县", "现场", "指导业务", "亮点"]


def test_sheet_helper():
    assert sheet_title("a/b[c]:d?*" + "x" * 40) == ("a_b_c__d__" + "x" * 40)[:31]
    assert sheet_title("总览", ["总览"]) == "总览~2"
    wb = new_workbook(NOW)
    add_sheet(wb, "s", [Col("text"), Col("n", "int"), Col("p", "pct")],
              [("=cmd|' /C calc'!A0", 3, 0.25), ("bell\x07", None, None)],
              totals=("合计", 3, 0.25))
    ws = load_workbook(io.BytesIO(to_bytes(wb)))["s"]
    assert ws["A3"].value == "=cmd|' /C calc'!A0" and ws["A3"].data_type == "s"
    assert ws["A4"].value == "bell" and ws["C3"].number_format == "0.0%"
    assert ws["C1"].number_format == "0.0%" and ws["A1"].font.b
    assert ws.auto_filter.ref == "A2:C4"
    empty = load_workbook(io.BytesIO(to_bytes(new_workbook(NOW))))
    assert empty.sheetnames == ["-"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_pack_key_exists(lang):
    pack_workbook(PACK, lang)
    pack_pdf(PACK, lang)
