"""Reports: supervisor digests, evaluation packs, feedback letters and service archives,
rendered from plain rows.

Pure with respect to transport and storage: nothing here imports ``telegram`` or
``sqlalchemy``. The service layer fills a :class:`DigestInput`; :func:`build_digest` scopes
and computes it; the result renders as HTML messages (:meth:`Digest.text_parts`, the
summary), a PNG (:func:`coverage_chart`) and .xlsx files (:func:`digest_workbook`, the rows
that need action; :func:`detail_workbook`, everything). The evaluation pack, the feedback
letters and the archive live in :mod:`bot.reports.evaluation`, :mod:`bot.reports.letters` and
:mod:`bot.reports.archive`; they too load openpyxl and reportlab only when they render.
"""

from typing import TYPE_CHECKING, Any

from bot.reports.digest import CityCoverage, Digest, OverdueGroup, build_digest
from bot.reports.model import (
    AdjustRow,
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
    from bot.reports.workbook import detail_workbook, digest_workbook

# matplotlib and openpyxl are heavy: loaded the first time a chart or workbook is made, not
# when the bot (or a test, or `ipbot --help`) starts.
_LAZY = {"coverage_chart": "bot.reports.chart", "FontMissing": "bot.reports.fonts",
         "digest_workbook": "bot.reports.workbook", "detail_workbook": "bot.reports.workbook"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "AdjustRow",
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
    "detail_workbook",
    "digest_workbook",
]
