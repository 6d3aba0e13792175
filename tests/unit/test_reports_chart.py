"""The digest chart: a real PNG, Chinese actually rendered, small and fast.

These tests need a CJK font (Debian: ``fonts-wqy-microhei``). Without one they fail with
``FontMissing`` on purpose: a chart of boxes must not pass.
"""

from __future__ import annotations

import warnings
from io import BytesIO

import matplotlib.image as mpimg
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.reports import (
    DigestInput,
    FontMissing,
    ObligationRow,
    Scope,
    build_digest,
    coverage_chart,
)
from bot.reports import fonts as fonts_module
from tests.unit.test_reports_support import NOW, digest_input

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _glyph_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        str(w.message) for w in caught
        if "glyph" in str(w.message).lower() or "missing from" in str(w.message).lower()
    ]


def _render(digest, lang) -> tuple[bytes, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = coverage_chart(digest, lang)
    return png, _glyph_warnings(caught)


def test_the_warning_check_would_catch_boxes():
    """Control: Chinese in matplotlib's default font does warn, so silence below means
    the glyphs were found."""
    fig = Figure(figsize=(2, 1))
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, "覆盖率")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(BytesIO(), format="png")
    assert _glyph_warnings(caught)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_is_a_png_with_every_glyph(lang):
    png, missing = _render(build_digest(digest_input()), lang)
    assert missing == []
    assert png.startswith(PNG_MAGIC)
    assert len(png) < 100_000
    image = mpimg.imread(BytesIO(png), format="png")
    height, width = image.shape[:2]
    assert width == 1000 and 400 <= height <= 800
    assert image[..., :3].std() > 0.05  # not blank


def test_many_cities_and_empty_data_render():
    cities = [f"城市{i}" for i in range(30)]
    rows = tuple(
        ObligationRow(
            "王敏", "commissioner", f"单位{i}", city, "某区", NOW.date(), NOW.date(),
            "met" if i % 3 else "due", 1, 0, 1, None)
        for i, city in enumerate(cities)
    )
    png, missing = _render(build_digest(digest_input(obligations=rows)), "zh")
    assert missing == [] and mpimg.imread(BytesIO(png), format="png").shape[0] > 800
    empty = build_digest(DigestInput(Scope("county", city="舟山市", county="普陀区"), NOW, "Q1"))
    png, missing = _render(empty, "zh")
    assert missing == [] and png.startswith(PNG_MAGIC)


def test_missing_font_is_an_error_not_boxes(monkeypatch):
    fonts_module.cjk_font_path.cache_clear()
    monkeypatch.setattr(fonts_module, "_by_family", lambda: None)
    monkeypatch.setattr(fonts_module, "_by_file", lambda: None)
    try:
        with pytest.raises(FontMissing, match="fonts-wqy-microhei"):
            coverage_chart(build_digest(digest_input()))
    finally:
        monkeypatch.undo()
        fonts_module.cjk_font_path.cache_clear()
    assert fonts_module.cjk_font_path()  # and it is found again


def test_font_found_by_file_when_family_lookup_fails(monkeypatch):
    fonts_module.cjk_font_path.cache_clear()
    monkeypatch.setattr(fonts_module, "_by_family", lambda: None)
    try:
        assert fonts_module.cjk_font_path()
    finally:
        monkeypatch.undo()
        fonts_module.cjk_font_path.cache_clear()
