"""Latency, index memory and build time of the FAQ answerer at 10,000 entries plus the statutes.

    python benchmarks/faq_scale.py [--entries 10000] [--queries 1000] [--seed 7]

The synthetic entries are joined by the statutes of ``knowledge/statutes/`` (about 500
articles, the second tier), so the answerer is built exactly as in service.  Reported:

* build: the time to build the answerer (both tiers' indexes), the first in the process
  and again (what ``/reload`` costs in a running bot); what the process loads once for
  every answerer (the trimmed general dictionary of the word segmenter, the synonym,
  expansion and facet tables) is timed apart;
* memory: what the built answerer holds, measured with ``tracemalloc`` (Python objects
  and numpy arrays), and the peak while building; targets: at most 60 MiB held, 2 s build;
* latency of ``Answerer.match`` per query (target: p99 under 5 ms), next to a bare
  ``rapidfuzz.process.extractOne`` over all question strings in the same run.

Entries are plausible Chinese questions recombined from domain vocabulary
(seeded, so every run builds the same base).  Queries are paraphrased entry
questions (synonyms, dropped or swapped words, traditional characters, filler)
plus out-of-scope chit-chat.  The matcher's latency per query is printed next
to a bare ``rapidfuzz.process.extractOne(query, all_question_strings)`` over
the same question and alternate strings, in the same run, with the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import process

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.faq.facets import default_facets  # noqa: E402
from bot.faq.model import Entry, KnowledgeBase, Source  # noqa: E402
from bot.faq.normalize import default_expansions, default_synonyms, to_simplified  # noqa: E402
from bot.faq.segment import frame_words, general_dictionary  # noqa: E402
from bot.faq.statutes import load_statutes  # noqa: E402
from bot.faq.tiers import Answerer, default_config  # noqa: E402

ROLES = [
    "服务专员",
    "特派员",
    "监管人员",
    "服务对象",
    "创新主体",
    "派出单位",
    "知识产权管理部门",
    "县级知识产权局",
    "市级知识产权局",
    "高校",
    "科研院所",
    "实验室",
    "医疗卫生机构",
    "科技型企业",
    "技术创新中心",
    "专利代理机构",
    "商标代理机构",
    "维权援助中心",
    "保护中心",
    "快维中心",
    "运营中心",
    "园区管委会",
    "行业协会",
    "产业联盟",
]
TOPICS = [
    "专利",
    "商标",
    "地理标志",
    "著作权",
    "数据知识产权",
    "专利导航",
    "专利池",
    "质押融资",
    "维权援助",
    "海外维权",
    "高价值专利",
    "转化运用",
    "标准必要专利",
    "专利开放许可",
    "知识产权保险",
    "集成电路布图设计",
    "植物新品种",
    "商业秘密",
    "专利预警",
    "分析评议",
    "专利密集型产品",
    "贯标认证",
    "知识产权托管",
    "企业知识产权合规",
    "专利快速预审",
    "优先审查",
    "证券化",
    "许可备案",
    "纠纷调解",
    "侵权判定",
    "驰名商标",
    "品牌培育",
]
ACTIONS = [
    "申请",
    "评价",
    "现场服务",
    "报名",
    "入库",
    "退出",
    "培训",
    "备案",
    "认定",
    "登记",
    "续展",
    "变更",
    "转让",
    "撤回",
    "复审",
    "无效宣告",
    "资助",
    "奖励",
    "补贴",
    "验收",
    "推荐",
    "公示",
    "监督",
    "考核",
    "调整",
    "对接",
    "走访",
    "宣讲",
    "调研",
    "指导",
]
ASPECTS = [
    "频次",
    "条件",
    "流程",
    "材料",
    "期限",
    "标准",
    "要求",
    "责任",
    "费用",
    "时限",
    "名额",
    "范围",
    "程序",
    "依据",
    "方式",
    "渠道",
    "结果",
    "等次",
    "比例",
    "上限",
]
PLACES = [
    "杭州",
    "宁波",
    "温州",
    "嘉兴",
    "湖州",
    "绍兴",
    "金华",
    "衢州",
    "舟山",
    "台州",
    "丽水",
    "浦东新区",
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "金山区",
    "松江区",
    "青浦区",
    "奉贤区",
    "崇明区",
    "山区县",
    "海岛县",
    "自贸试验区",
    "临港新片区",
    "开发区",
    "高新区",
    "经开区",
]
FRAMES = [
    "{place}{role}{topic}{action}的{aspect}是什么？",
    "{role}在{place}办理{topic}{action}有哪些{aspect}？",
    "{place}的{topic}{action}{aspect}怎么规定？",
    "{role}如何开展{topic}{action}？{place}有什么{aspect}？",
    "{topic}{action}对{role}有什么{aspect}（{place}）？",
    "{place}{topic}{action}需要{role}提供哪些{aspect}？",
]
ALT_FRAMES = [
    "{place} {role} {topic}{action} {aspect}",
    "{role}{topic}{action}{aspect}咋规定的 {place}",
    "{place}{topic}{action}的{aspect}有啥讲究",
    "{topic}{action}{aspect}（{role}，{place}）",
]
OUT_OF_SCOPE = [
    "明天杭州天气怎么样",
    "推荐一家好吃的火锅店",
    "社保断缴了怎么补",
    "个税年度汇算怎么弄",
    "高铁票怎么退",
    "你是谁",
    "讲个笑话",
    "房贷利率是多少",
    "驾照到期怎么换",
    "医保报销比例",
    "公积金怎么提取",
    "周末去哪玩",
    "营业执照怎么年报",
]
SWAPS = {
    "怎么": "如何",
    "什么": "啥",
    "考核": "评价",
    "走访": "现场服务",
    "服务专员": "专员",
    "特派员": "特派",
    "有哪些": "都有啥",
    "需要": "要",
    "要求": "规定",
    "知识产权": "知产",
}


def _fill(frame: str, parts: dict[str, str]) -> str:
    return frame.format(**parts)


def synthetic_kb(n: int, rng: random.Random) -> KnowledgeBase:
    """``n`` entries with distinct questions, 3 alternates and a short answer each."""
    source = Source("synthetic", "合成知识库", "基准测试", None, dt.date(2025, 1, 1), "浙江省")
    audiences = ["everyone"] * 6 + ["enterprise"] * 2 + ["staff"] * 2
    entries: list[Entry] = []
    seen: set[str] = set()
    while len(entries) < n:
        parts = {
            "role": rng.choice(ROLES),
            "topic": rng.choice(TOPICS),
            "action": rng.choice(ACTIONS),
            "aspect": rng.choice(ASPECTS),
            "place": rng.choice(PLACES),
        }
        question = _fill(rng.choice(FRAMES), parts)
        if question in seen:
            continue
        seen.add(question)
        alternates = tuple(_fill(f, parts) for f in rng.sample(ALT_FRAMES, 3))
        answer = (
            f"{parts['place']}的{parts['topic']}{parts['action']}由{parts['role']}负责，"
            f"{parts['aspect']}以{rng.choice(PLACES)}{rng.choice(TOPICS)}相关规定为准，"
            f"原则上每{rng.randint(1, 4)}年{rng.choice(ACTIONS)}一次，"
            f"具体请咨询{rng.choice(ROLES)}。"
        )
        entries.append(
            Entry(
                id=f"syn-{len(entries)}",
                question=question,
                alternates=alternates,
                answer=answer,
                source=source,
                audience=rng.choice(audiences),  # type: ignore[arg-type]
                tags=(parts["topic"], parts["role"]),
            )
        )
    return KnowledgeBase(entries=tuple(entries), sources=(source,))


def paraphrase(text: str, rng: random.Random) -> str:
    """A user-like variant: synonym swaps, a dropped character, filler, traditional script."""
    for a, b in SWAPS.items():
        if a in text and rng.random() < 0.5:
            text = text.replace(a, b, 1)
    if len(text) > 8 and rng.random() < 0.4:
        i = rng.randrange(len(text))
        text = text[:i] + text[i + 1 :]
    if rng.random() < 0.3:
        text = "请问" + text
    if rng.random() < 0.1:
        text = text.replace("专利", "專利").replace("服务", "服務").replace("请问", "請問")
    return text


def queries(kb: KnowledgeBase, count: int, rng: random.Random) -> list[str]:
    """Paraphrased entry questions, with one in ten out of scope."""
    out: list[str] = []
    for i in range(count):
        if i % 10 == 9:
            out.append(rng.choice(OUT_OF_SCOPE))
        else:
            entry = rng.choice(kb.entries)
            out.append(paraphrase(rng.choice(entry.questions), rng))
    return out


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def time_each(fn: Callable[[str], object], qs: list[str]) -> list[float]:
    """Milliseconds per call of ``fn`` on each query."""
    times: list[float] = []
    for q in qs:
        t0 = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _rss_mib() -> float:
    """Resident set size of this process (Linux), in MiB; 0 where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def once_per_process() -> None:
    """Load what every answerer of the process shares: the synonym, expansion, facet and
    frame-word tables, OpenCC, the tiers' settings (each is read once and cached)."""
    default_synonyms()
    default_expansions()
    default_facets()
    frame_words()
    to_simplified("預熱")
    default_config("curated")
    default_config("statutes")


def _dictionary_mib() -> float:
    """Memory of the segmenter's general dictionary, loaded in a fresh tracemalloc window."""
    general_dictionary.cache_clear()
    gc.collect()
    tracemalloc.start()
    general_dictionary()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--viewer", default="staff", choices=["staff", "enterprise", "public"])
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    book, problems = load_statutes(ROOT / "knowledge")
    if problems:
        print(f"statutes have problems: {problems[0]}")
        return 1
    synthetic = synthetic_kb(args.entries, rng)
    kb = KnowledgeBase(entries=synthetic.entries, sources=synthetic.sources, statutes=book)
    gc.collect()
    rss_start = _rss_mib()
    t1 = time.perf_counter()
    general_dictionary()  # cold: the segmenter's general dictionary, once per process
    once_per_process()  # and the vocabulary tables (synonyms, expansions, facets, OpenCC)
    t_dict = time.perf_counter()
    gc.collect()
    rss_before = _rss_mib()
    t_index = time.perf_counter()
    answerer = Answerer(kb)
    t2 = time.perf_counter()
    gc.collect()
    rss_after = _rss_mib()
    del answerer
    gc.collect()
    t3 = time.perf_counter()
    answerer = Answerer(kb)  # again, as /reload would
    t4 = time.perf_counter()
    del answerer
    gc.collect()
    general_dictionary()  # loaded once per process: not part of one answerer's memory
    tracemalloc.start()
    answerer = Answerer(kb)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    matcher = answerer
    qs = queries(kb, args.queries, rng)
    all_question_strings = [q for e in kb.entries for q in e.questions]
    dictionary = _dictionary_mib()

    to_simplified("預熱")
    for q in qs[:20]:  # warm-up: caches, lazy imports
        matcher.match(q, args.viewer)
        process.extractOne(q, all_question_strings)

    matcher_ms = time_each(lambda q: matcher.match(q, args.viewer), qs)
    bare_ms = time_each(lambda q: process.extractOne(q, all_question_strings), qs)

    statuses: dict[str, int] = {}
    for q in qs:
        status = matcher.match(q, args.viewer).status
        statuses[status] = statuses.get(status, 0) + 1

    articles = len(answerer.statutes.kb) if answerer.statutes else 0
    print(
        f"synthetic knowledge base: {len(kb)} entries, {len(all_question_strings)} question "
        f"strings, plus {articles} statute articles (made in {1000 * (t1 - t0):.0f} ms)"
    )
    build_ok = max(t2 - t_index, t4 - t3) <= 2.0
    print(f"index build: {1000 * (t2 - t_index):.0f} ms first, {1000 * (t4 - t3):.0f} ms "
          f"again (/reload); target <= 2 s: {'yes' if build_ok else 'NO'}; plus once per "
          f"process {1000 * (t_dict - t1):.0f} ms to load the segmenter's general dictionary and "
          f"the vocabulary tables")
    grew = rss_after - rss_before
    print(f"index memory: resident memory grew by {grew:.1f} MiB over the first build; "
          f"target <= 60 MiB: {'yes' if grew <= 60 else 'NO'}; the answerer holds "
          f"{held / 2**20:.1f} MiB (tracemalloc; peak while building {peak / 2**20:.1f} MiB)")
    print(f"  plus once per process, the segmenter's general dictionary: {dictionary:.1f} MiB "
          f"held, resident memory grew by {rss_before - rss_start:.1f} MiB while loading it")
    print(
        f"queries: {len(qs)} (seed {args.seed}, viewer {args.viewer}); outcomes: "
        + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    )
    header = f"{'':34}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}"
    print(header)
    rows = [("Answerer.match", matcher_ms), ("process.extractOne (bare, WRatio)", bare_ms)]
    for name, values in rows:
        mean = sum(values) / len(values)
        print(f"{name:34}{percentile(values, 50):9.3f}{percentile(values, 99):9.3f}{mean:9.3f}")
    ratio50 = percentile(bare_ms, 50) / percentile(matcher_ms, 50)
    ratio99 = percentile(bare_ms, 99) / percentile(matcher_ms, 99)
    print(f"extractOne / Answerer: {ratio50:.1f}x at p50, {ratio99:.1f}x at p99")
    print(f"p99 under 5 ms: {'yes' if percentile(matcher_ms, 99) < 5 else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
