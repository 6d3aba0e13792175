"""The demo's office: the sample rosters, the 2026–2027 cycle, a few past visits, and the
people a visitor can be — all through the services (and the bot itself), never raw SQL.

The demo starts on :data:`DEMO_START`, two months before the year's end, so the yearly on-site
visits of commissioners are within their first reminder lead (60 days) and the envoys'
fourth quarter is running. Seeded visits are placed relative to that day.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.config import PROJECT_ROOT
from bot.domain.visits import Input, Location, Press, Text
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.services import cycles, invites, rosters, visits
from bot.services.container import Services
from bot.services.errors import ServiceError

TZ = ZoneInfo("Asia/Shanghai")
EXAMPLES = PROJECT_ROOT / "examples"
#: The service cycle of the sample assignments (``examples/assignments.csv``).
CYCLE_START = date(2026, 1, 1)
CYCLE_YEARS = 2
#: Monday, 09:30: the day's reminders (09:00) and the weekly digest time have passed.
DEMO_START = datetime(2026, 11, 2, 9, 30, tzinfo=TZ)
ACTOR = "demo"


class SeedError(Exception):
    """The demo's own data did not load (a broken sample file, or a bug here)."""


@dataclass(frozen=True)
class Persona:
    """Someone the visitor can be: a person of the roster, an entity's contact, or a guest."""

    key: str
    role: str  # catalog key role.<role>
    first_name: str
    person: str | None = None  # roster name (bound with their personal invite)
    entity: str | None = None  # entity name (bound with the entity's invite)


PERSONAS: tuple[Persona, ...] = (
    Persona("commissioner", "commissioner", "王敏", person="王敏"),
    Persona("envoy", "envoy", "赵磊", person="赵磊"),
    Persona("supervisor", "supervisor", "周洁", person="周洁"),
    Persona("contact", "contact", "刘老师", entity="浙江大学"),
    Persona("guest", "guest", "小林"),
)


@dataclass(frozen=True)
class PastVisit:
    person: str
    target: str
    days_ago: int
    mode: str  # on_site | phone | video | online
    tasks: tuple[str, ...]
    summary: str
    needs: str | None = None
    followups: tuple[str, ...] = ()
    location: tuple[float, float] | None = None


# A fixed point for on-site visits and for the page's "send location" (near West Lake,
# Hangzhou); a demo value, not the address of anyone in the rosters.
FIXED_POINT = (30.2636, 120.1211)

PAST_VISITS: tuple[PastVisit, ...] = (
    # 王敏: 之江实验室 met for the year; 浙江大学 only by phone, so still due (reminded).
    PastVisit("王敏", "之江实验室", 41, "on_site", ("publicize_policy", "guide_business"),
              "宣讲知识产权强省建设政策，指导建立专利分级分类管理制度。",
              needs="希望开展高价值专利培育培训",
              followups=("联系省中心安排高价值专利培育培训",), location=FIXED_POINT),
    PastVisit("王敏", "浙江大学", 16, "phone", ("understand_situation",),
              "电话了解科技成果转化中的专利运营需求，约定近期现场走访。"),
    # 李强 (not on Telegram): one on-site visit last week, with an open follow-up item.
    PastVisit("李强", "浙江省人民医院", 5, "on_site", ("answer_consultations", "guide_business"),
              "解答医疗器械专利申请咨询，指导梳理在研项目的专利布局。",
              followups=("协助对接专利导航服务",), location=FIXED_POINT),
    # 陈静: one on-site earlier, one video call last week.
    PastVisit("陈静", "丽水市智能装备技术创新中心", 60, "on_site",
              ("understand_situation", "make_recommendations"),
              "了解中心知识产权管理现状，建议建立专利池运营机制。", location=FIXED_POINT),
    PastVisit("陈静", "景宁惠明茶科技有限公司", 3, "video", ("publicize_policy",),
              "视频宣讲地理标志与商标保护政策，答复品牌保护相关问题。"),
    # 赵磊 (envoy, 景宁): the first three quarters met; the fourth is due.
    PastVisit("赵磊", "景宁畲族自治县", 230, "on_site", ("two_way_direct_reach",),
              "走访县市场监管局，了解山区县知识产权工作需求。", location=FIXED_POINT),
    PastVisit("赵磊", "景宁畲族自治县", 145, "on_site", ("discuss_development",),
              "与县里共商知识产权助力特色产业发展思路。", location=FIXED_POINT),
    PastVisit("赵磊", "景宁畲族自治县", 50, "on_site", ("solve_difficult_problems",),
              "协调解决企业商标异议中的疑难问题。", location=FIXED_POINT),
    # 孙悦 (envoy, 嵊泗, not on Telegram): the first two quarters; the third is overdue.
    PastVisit("孙悦", "嵊泗县", 220, "on_site", ("two_way_direct_reach",),
              "走访海岛县，了解海洋渔业企业的知识产权需求。"),
    PastVisit("孙悦", "嵊泗县", 130, "on_site", ("study_measures",),
              "与县里共研海岛知识产权服务工作举措。"),
)


def populate(svc: Services, start: datetime = DEMO_START, folder: Path = EXAMPLES) -> None:
    """Rosters (imported as of the cycle's first day), the cycle, and :data:`PAST_VISITS`."""
    if not folder.is_dir():
        raise SeedError(f"sample rosters not found: {folder}")
    office = replace(svc, clock=FixedClock(datetime.combine(CYCLE_START, time(9), TZ)))
    for kind in ("people", "entities", "regions"):
        _import(office, kind, folder)
    cycles.create(office, CYCLE_START, CYCLE_YEARS, actor=ACTOR)
    _import(office, "assignments", folder)
    for n, visit in enumerate(PAST_VISITS):
        day = start.date() - timedelta(days=visit.days_ago)
        if day < CYCLE_START:
            continue
        _log(replace(svc, clock=FixedClock(datetime.combine(day, time(16), TZ))), n, visit)


def _import(svc: Services, kind: str, folder: Path) -> None:
    report = rosters.import_file(svc, kind, folder / f"{kind}.csv", actor=ACTOR)  # type: ignore[arg-type]
    if not report.ok:
        raise SeedError(f"{kind}.csv: {report.errors[:3]}")


def _log(svc: Services, n: int, v: PastVisit) -> None:
    """Walk the visit conversation's steps through the service, as the bot's handlers do."""
    day = svc.clock.now().date()
    with svc.uow() as uow:
        (person,) = uow.people.by_name(v.person)
        person_id = person.id
        target = next(t for t in visits.targets(uow, person_id, day) if t.name == v.target)
    opened = visits.begin(svc, person_id, 0, 0, fresh=True,
                          assignment_id=target.assignment_id).value
    state = opened.state
    if state is None:
        raise SeedError(f"seeding visit {n} ({v.person}): {opened.problem}")
    inputs: list[Input] = [Text(day.isoformat()), Press("how", v.mode)]
    inputs += [Press("what", task) for task in v.tasks] + [Press("what", "next")]
    inputs += [Text(v.summary), Text(v.needs) if v.needs else Press("needs", "skip")]
    inputs += [Text(item) for item in v.followups] + [Press("followups", "done")]
    if v.mode == "on_site":
        inputs.append(Location(*v.location, live=False) if v.location
                      else Press("location", "skip"))
    inputs += [Press("photos", "skip"), Press("integrity", "yes")]
    for i, inp in enumerate(inputs):
        outcome = visits.step(svc, person_id, 0, state.draft_id, inp,
                              f"demo-seed:{n}:{i}").value
        if outcome.refusal is not None:
            raise SeedError(f"seeding visit {n} ({v.person}): {outcome.refusal.code}")
    done = visits.submit(svc, person_id, 0, state.draft_id, f"demo-seed:{n}:submit").value
    if done.submitted is None:
        raise SeedError(f"seeding visit {n} ({v.person}) was not submitted")


async def bind(server: FakeBotAPI, svc: Services, lang: str) -> dict[str, FakeUser]:
    """A Telegram user for each persona, bound through the bot with their invite (the guest
    just says /start); returns them once the bot has greeted each one."""
    language_code = "en" if lang == "en" else "zh-hans"
    users: dict[str, FakeUser] = {}
    for p in PERSONAS:
        users[p.key] = server.user(first_name=p.first_name, language_code=language_code)

    async def start(p: Persona) -> None:
        user = users[p.key]
        if p.person is None and p.entity is None:
            await user.send("/start")
        else:
            try:
                code = invites.issue(svc, person=p.person, entity=p.entity, actor=ACTOR).code
            except ServiceError as exc:
                raise SeedError(f"cannot invite {p.person or p.entity}: {exc.code}") from exc
            await user.send(f"/start {code}")
        await user.expect_message(timeout=30)

    await asyncio.gather(*(start(p) for p in PERSONAS))
    return users
