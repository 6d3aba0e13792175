"""Finding a font that can draw Chinese for the digest chart.

Matplotlib's default font (DejaVu Sans) has no CJK glyphs and silently draws boxes, so the
chart refuses to render without one: :func:`cjk_font_path` raises :class:`FontMissing`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

#: Families tried in order through matplotlib's font list.
PREFERRED_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "SimHei",
)
#: The same fonts by file name, for when matplotlib's font cache predates their install.
_FILE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"wqy-?microhei",
        r"NotoSansCJK(sc)?-Regular",
        r"NotoSansSC-Regular",
        r"SourceHanSans(SC)?-Regular",
        r"simhei",
    )
)
#: The Debian/Ubuntu package that provides the first preferred font.
FONT_PACKAGE = "fonts-wqy-microhei"
_PROBE = "知识产权服务覆盖率"


class FontMissing(RuntimeError):
    """No font able to draw Chinese is installed."""

    def __init__(self) -> None:
        super().__init__(
            "no CJK font found for the digest chart (tried "
            + ", ".join(PREFERRED_FAMILIES)
            + f"); install one, e.g. `apt-get install -y {FONT_PACKAGE}`"
        )


def _draws_chinese(path: str) -> bool:
    try:
        font = font_manager.get_font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) for ch in _PROBE)


def _by_family() -> str | None:
    for family in PREFERRED_FAMILIES:
        props = font_manager.FontProperties(family=family)
        try:
            path = font_manager.findfont(props, fallback_to_default=False)
        except ValueError:
            continue
        if _draws_chinese(path):
            return path
    return None


def _by_file() -> str | None:
    paths = sorted(font_manager.findSystemFonts())
    for pattern in _FILE_PATTERNS:
        for path in paths:
            if pattern.search(Path(path).name) and _draws_chinese(path):
                return path
    return None


@lru_cache(maxsize=1)
def cjk_font_path() -> str:
    """The file of the first preferred CJK font installed; :class:`FontMissing` if none."""
    path = _by_family() or _by_file()
    if path is None:
        raise FontMissing()
    return path


def cjk_font(size: float | None = None) -> font_manager.FontProperties:
    """A fresh ``FontProperties`` for the CJK font (callers may change it freely)."""
    return font_manager.FontProperties(fname=cjk_font_path(), size=size)
