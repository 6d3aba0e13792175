"""The digest chart: coverage by city and the week's visits by mode, as a PNG.

Drawn on a bare :class:`matplotlib.figure.Figure` with the Agg canvas, so no pyplot state
is touched and nothing leaks between calls or threads. Every text uses the CJK font from
:mod:`bot.reports.fonts`; without one, :class:`~bot.reports.fonts.FontMissing` is raised
rather than drawing boxes.
"""

from __future__ import annotations

from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.reports.digest import CityCoverage, Digest
from bot.reports.fonts import FontMissing, cjk_font
from bot.reports.i18n import rraw
from bot.reports.text import clip, label, scope_name

__all__ = ["FontMissing", "coverage_chart"]

DPI = 100
WIDTH_IN = 10.0
_GOOD, _FAIR, _POOR = "#2e7d32", "#f9a825", "#c62828"
_VISIT_COLOR = "#1565c0"
_MUTED = "#607d8b"


def coverage_chart(digest: Digest, lang: str | None = None) -> bytes:
    """A PNG: coverage this period by city (percent, left) and visits by mode (right)."""
    lang = lang or digest.lang
    font = cjk_font()
    rows = len(digest.coverage)
    fig = Figure(figsize=(WIDTH_IN, max(4.2, 1.6 + 0.32 * rows)), dpi=DPI)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1, 2, width_ratios=(3, 2), wspace=0.35)
    _coverage_panel(fig.add_subplot(grid[0, 0]), digest, lang, font)
    _visits_panel(fig.add_subplot(grid[0, 1]), digest, lang, font)
    title = rraw(
        "digest.chart.title", lang, scope=scope_name(digest, lang), period=digest.period_label
    )
    fig.suptitle(clip(title, 80), fontproperties=_sized(font, 14))
    fig.subplots_adjust(left=0.16, right=0.97, top=0.86, bottom=0.13)
    out = BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None},
                pil_kwargs={"compress_level": 1})  # a few KiB more, several times faster
    return out.getvalue()


def _sized(font: FontProperties, size: float) -> FontProperties:
    copy = font.copy()
    copy.set_size(size)
    return copy


def _style_ticks(ax: Axes, font: FontProperties) -> None:
    for tick in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        tick.set_fontproperties(_sized(font, 9))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _no_data(ax: Axes, lang: str, font: FontProperties) -> None:
    ax.text(
        0.5, 0.5, rraw("digest.chart.no_data", lang), ha="center", va="center",
        transform=ax.transAxes, color=_MUTED, fontproperties=_sized(font, 12),
    )
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _color(c: CityCoverage) -> str:
    share = c.share or 0.0
    return _GOOD if share >= 0.8 else _FAIR if share >= 0.5 else _POOR


def _coverage_panel(ax: Axes, digest: Digest, lang: str, font: FontProperties) -> None:
    total = digest.coverage_total.share
    shown = "—" if total is None else f"{total * 100:.0f}%"
    ax.set_title(
        rraw("digest.chart.coverage", lang, total=shown), fontproperties=_sized(font, 11)
    )
    if not digest.coverage:
        _no_data(ax, lang, font)
        return
    names = [clip(c.city, 12) if c.city else rraw("digest.no_place", lang)
             for c in digest.coverage]
    shares = [(c.share or 0.0) * 100 for c in digest.coverage]
    pos = list(range(len(names)))
    ax.barh(pos, shares, color=[_color(c) for c in digest.coverage], height=0.6)
    ax.set_yticks(pos, labels=names)
    ax.set_ylim(max(len(names), 5) - 0.5, -0.5)  # top down; few cities keep slim bars
    ax.set_xlim(0, 125)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xlabel(rraw("digest.chart.coverage_axis", lang), fontproperties=_sized(font, 9))
    ax.axvline(100, color=_MUTED, linewidth=0.6, linestyle=":")
    ax.spines["bottom"].set_bounds(0, 100)
    for y, share, c in zip(pos, shares, digest.coverage, strict=True):
        ax.text(share + 1.5, y, f"{share:.0f}% ({c.met}/{c.total})", va="center",
                fontproperties=_sized(font, 8))
    _style_ticks(ax, font)


def _visits_panel(ax: Axes, digest: Digest, lang: str, font: FontProperties) -> None:
    ax.set_title(
        rraw("digest.chart.visits", lang, start=digest.visits_from.strftime("%m-%d"),
             end=digest.visits_to.strftime("%m-%d")),
        fontproperties=_sized(font, 11),
    )
    modes = [(m, n) for m, n in digest.visits_by_mode]
    names = [clip(label("mode", m, lang), 8) for m, _ in modes]
    counts = [n for _, n in modes]
    pos = list(range(len(names)))
    ax.bar(pos, counts, color=_VISIT_COLOR, width=0.6)
    ax.set_xticks(pos, labels=names)
    ax.set_ylim(0, max([*counts, 1]) * 1.2)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(rraw("digest.chart.visits_axis", lang), fontproperties=_sized(font, 9))
    for x, n in zip(pos, counts, strict=True):
        ax.text(x, n, str(n), ha="center", va="bottom", fontproperties=_sized(font, 9))
    if not digest.visits:
        ax.text(0.5, 0.5, rraw("digest.chart.no_data", lang), ha="center", va="center",
                transform=ax.transAxes, color=_MUTED, fontproperties=_sized(font, 12))
    _style_ticks(ax, font)
