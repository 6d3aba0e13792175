"""PDF documents in Chinese with reportlab: the font, the styles, and tables that wrap.

The installed CJK TrueType font (:func:`bot.reports.fonts.cjk_font_path`, WenQuanYi Micro Hei
from Debian's ``fonts-wqy-microhei``) is embedded as a subset, so the file reads the same on
every machine and its text can be searched and copied. Without one, reportlab's built-in
CID font ``STSong-Light`` is used: it needs no font file (the reader supplies the glyphs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bot.reports.fonts import FontMissing, cjk_font_path

CID_FONT = "STSong-Light"
TTF_NAME = "IPBotCJK"
_GRID = colors.HexColor("#9e9e9e")
_HEAD = colors.HexColor("#e3eaf2")
_TOTAL = colors.HexColor("#f3f3f3")
WIDTH = A4[0] - 36 * mm  # the text block's width


@lru_cache(maxsize=1)
def font_name() -> str:
    """The registered CJK font: the embedded TrueType one, or the built-in CID font."""
    try:
        path = cjk_font_path()
    except FontMissing:
        path = None
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont(TTF_NAME, path, subfontIndex=0))
            return TTF_NAME
        except Exception:  # an unreadable font file: the CID font still draws Chinese
            pass
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    head_cell: ParagraphStyle
    right: ParagraphStyle
    center: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    font = font_name()

    def style(name: str, size: float, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.45,
                              wordWrap="CJK", **kw)

    return Styles(
        title=style("title", 16, alignment=TA_CENTER, spaceAfter=4 * mm),
        heading=style("heading", 12, spaceBefore=4 * mm, spaceAfter=2 * mm),
        body=style("body", 10.5, spaceAfter=2 * mm),
        small=style("small", 8.5, textColor=colors.HexColor("#555555")),
        cell=style("cell", 8.5),
        head_cell=style("head_cell", 8.5),
        right=style("right", 10.5, alignment=TA_RIGHT),
        center=style("center", 10.5, alignment=TA_CENTER),
    )


def para(text: object, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    value = "" if text is None else str(text)
    return Paragraph(escape(value).replace("\n", "<br/>"), style or styles().body)


def table(header: Sequence[str], rows: Sequence[Sequence[object]],
          widths: Sequence[float] | None = None, *, totals: Sequence[object] | None = None,
          repeat_header: bool = True) -> Table:
    """A grid table whose cells wrap; the header (and a totals row, first) are shaded."""
    st = styles()
    data: list[list[Any]] = [[para(h, st.head_cell) for h in header]]
    if totals is not None:
        data.append([para(v, st.head_cell) for v in totals])
    data += [[para(v, st.cell) for v in row] for row in rows]
    if widths is None:
        widths = [WIDTH / len(header)] * len(header)
    else:
        scale = WIDTH / sum(widths)
        widths = [w * scale for w in widths]
    t = Table(data, colWidths=list(widths), repeatRows=1 if repeat_header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if totals is not None:
        commands.append(("BACKGROUND", (0, 1), (-1, 1), _TOTAL))
    t.setStyle(TableStyle(commands))
    return t


def pairs(rows: Sequence[tuple[str, object]]) -> Table:
    """A two-column table of labels and values (no header)."""
    st = styles()
    data = [[para(k, st.head_cell), para(v, st.cell)] for k, v in rows]
    t = Table(data, colWidths=[WIDTH * 0.28, WIDTH * 0.72])
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("BACKGROUND", (0, 0), (0, -1), _HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return t


def section(title: str, *body: Flowable) -> list[Flowable]:
    """A heading kept with the start of its body."""
    first, *rest = body or (Spacer(1, 0),)
    return [KeepTogether([para(title, styles().heading), first]), *rest]


def build(story: Sequence[Flowable], *, title: str, footer: str = "") -> bytes:
    """The document as PDF bytes: A4, page numbers in the footer."""
    out = BytesIO()
    font = font_name()

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#777777"))
        text = f"{footer}　{doc.page}" if footer else str(doc.page)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, text)
        canvas.restoreState()

    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                            topMargin=16 * mm, bottomMargin=18 * mm, title=title,
                            author="IP Field Assistant", creator="IP Field Assistant",
                            invariant=True)
    doc.build(list(story), onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
