"""Shared hand-made inputs for the ``test_reports_*`` tests (this module holds no tests).

The clock stands at Monday 2026-03-09 09:00 Asia/Shanghai; the visit window is therefore
2026-03-03 .. 2026-03-09.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from bot.reports import (
    ConsultationRow,
    DigestInput,
    DisputeRow,
    FollowUpRow,
    ObligationRow,
    Scope,
    UnboundRow,
    VisitRow,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 9, 9, 0, tzinfo=SH)
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
Q4 = (date(2025, 10, 1), date(2025, 12, 31))
Q3 = (date(2025, 7, 1), date(2025, 9, 30))
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def ob(person, role, target, city, county, window, state, days_left=None, counted=0,
       last_visit=None) -> ObligationRow:
    return ObligationRow(person, role, target, city, county, window[0], window[1], state,
                         days_left, counted, 1, last_visit)


OBLIGATIONS = (
    ob("王敏", "commissioner", "浙江大学", "杭州市", "西湖区", YEAR, "due", 5),
    ob("王敏", "commissioner", "之江实验室", "杭州市", "西湖区", YEAR, "met", counted=1,
       last_visit=date(2026, 2, 3)),
    ob("李雷", "envoy", "余杭区", "杭州市", "余杭区", Q4, "overdue"),
    ob("李雷", "envoy", "余杭区", "杭州市", "余杭区", Q3, "overdue"),
    ob("李雷", "envoy", "余杭区", "杭州市", "余杭区", Q1, "due", 22),
    ob("张伟", "commissioner", "宁波大学", "宁波市", "海曙区",
       (date(2026, 1, 1), date(2026, 4, 18)), "due", 40),
    ob("张伟", "commissioner", "宁波某医院", "宁波市", "海曙区",
       (date(2025, 3, 1), date(2026, 2, 28)), "overdue"),
    ob("陈静", "commissioner", "甬江实验室", "宁波市", "海曙区", YEAR, "waived"),
    ob("陈静", "commissioner", "宁波某所", "宁波市", "海曙区", YEAR, "upcoming"),
    ob("陈静", "commissioner", "宁波某校", "宁波市", "海曙区", YEAR, "met", counted=1),
    ob("赵强", "envoy", "普陀区", "舟山市", "普陀区", Q4, "overdue"),
    ob("赵强", "envoy", "普陀区", "舟山市", "普陀区", Q1, "due", 0),
    ob("钱多", "commissioner", "上海某所", "上海市", "普陀区",
       (date(2025, 1, 1), date(2025, 12, 31)), "overdue"),
)

VISITS = (
    VisitRow("V-0001", "王敏", "commissioner", "之江实验室", "杭州市", "西湖区",
             date(2026, 3, 9), "on_site"),
    VisitRow("V-0002", "陈静", "commissioner", "宁波某校", "宁波市", "海曙区",
             date(2026, 3, 3), "phone"),
    VisitRow("V-0003", "王敏", "commissioner", "浙江大学", "杭州市", "西湖区",
             date(2026, 3, 2), "video"),  # one day too old
    VisitRow("V-0004", "王敏", "commissioner", "浙江大学", "杭州市", "西湖区",
             date(2026, 3, 10), "online"),  # in the future
    VisitRow("V-0005", "赵强", "envoy", "普陀区", "舟山市", "普陀区", date(2026, 3, 5), "on_site"),
    VisitRow("V-0006", "李雷", "envoy", "余杭区", "杭州市", "余杭区", date(2026, 3, 6), "drone"),
)

DISPUTES = (
    DisputeRow("V-0009", "王敏", "浙江大学", "杭州市", "西湖区", date(2026, 3, 4), "那天没人来"),
    DisputeRow("V-0008", "张伟", "宁波大学", "宁波市", "海曙区", date(2026, 2, 20), None),
)

FOLLOWUPS = (
    FollowUpRow("V-0001", "王敏", "之江实验室", "杭州市", "西湖区", "协助申请专利导航",
                NOW - timedelta(days=2)),
    FollowUpRow("V-0005", "赵强", "普陀区", "舟山市", "普陀区", "回复渔业企业商标问题",
                datetime(2026, 3, 1, 1, 0, tzinfo=ZoneInfo("UTC"))),
)

UNBOUND = (
    UnboundRow("孙丽", "envoy", "舟山市市场监管局", "舟山市", "普陀区"),
    UnboundRow("周杰", "commissioner", None, "杭州市", "余杭区"),
)

CONSULTATIONS = (
    ConsultationRow("吴总", "杭州某科技公司", "杭州市", "西湖区", NOW - timedelta(days=4),
                    "高新技术企业认定需要几件专利？", "overdue"),
    ConsultationRow("郑工", "宁波某厂", "宁波市", "海曙区", NOW - timedelta(days=1),
                    "商标续展怎么办？", "open"),
    ConsultationRow("冯老师", "宁波大学", "宁波市", "海曙区", NOW - timedelta(days=9),
                    "职务发明奖励比例？", "overdue"),
)


def digest_input(scope: Scope | None = None, **changes) -> DigestInput:
    values = dict(
        scope=scope or Scope("province"), now=NOW, period_label="2026年第一季度",
        obligations=OBLIGATIONS, visits=VISITS, disputes=DISPUTES, followups=FOLLOWUPS,
        unbound=UNBOUND, consultations=CONSULTATIONS,
    )
    values.update(changes)
    return DigestInput(**values)


class TelegramHTML(HTMLParser):
    """Parses a message the way Telegram's HTML mode would, collecting the plain text and
    checking that every tag is allowed and balanced."""

    ALLOWED = frozenset({"b", "i", "u", "s", "code", "pre", "a"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.ALLOWED:
            self.errors.append(f"tag <{tag}> not allowed")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")

    def handle_data(self, data):
        self.text.append(data)


def parse_message(message: str) -> str:
    """The visible text of ``message``; fails on bad or unbalanced markup."""
    assert not re.search(r"&(?!(lt|gt|amp|quot|#\d+);)", message), "bare & in HTML"
    parser = TelegramHTML()
    parser.feed(message)
    parser.close()
    assert not parser.errors, parser.errors
    assert not parser.stack, f"unclosed tags {parser.stack}"
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
