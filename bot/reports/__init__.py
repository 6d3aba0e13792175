"""Supervisor digests: figures, Telegram text, chart and workbook from plain rows.

Pure with respect to transport and storage: nothing here imports ``telegram`` or
``sqlalchemy``. The service layer fills a :class:`DigestInput`; :func:`build_digest` scopes
and computes it; the result renders as HTML messages (:meth:`Digest.text_parts`), a PNG
(:func:`coverage_chart`) and an .xlsx (:func:`digest_workbook`).
"""

from typing import TYPE_CHECKING, Any

from bot.reports.digest import CityCoverage, Digest, OverdueGroup, build_digest
from bot.reports.model import (
    ConsultationRow,
    DigestInput,
    DisputeRow,
    FollowUpRow,
    ObligationRow,
    Scope,
    UnboundRow,
    UnservedRow,
    VisitRow,
)

if TYPE_CHECKING:
    from bot.reports.chart import coverage_chart
    from bot.reports.fonts import FontMissing
    from bot.reports.workbook import digest_workbook

# matplotlib and openpyxl are heavy: loaded the first time a chart or workbook is made, not
# when the bot (or a test, or `ipbot --help`) starts.
_LAZY = {"coverage_chart": "bot.reports.chart", "FontMissing": "bot.reports.fonts",
         "digest_workbook": "bot.reports.workbook"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "CityCoverage",
    "ConsultationRow",
    "Digest",
    "DigestInput",
    "DisputeRow",
    "FollowUpRow",
    "FontMissing",
    "ObligationRow",
    "OverdueGroup",
    "Scope",
    "UnboundRow",
    "UnservedRow",
    "VisitRow",
    "build_digest",
    "coverage_chart",
    "digest_workbook",
]
