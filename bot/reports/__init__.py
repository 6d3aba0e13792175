"""Supervisor digests: figures, Telegram text, chart and workbook from plain rows.

Pure with respect to transport and storage: nothing here imports ``telegram`` or
``sqlalchemy``. The service layer fills a :class:`DigestInput`; :func:`build_digest` scopes
and computes it; the result renders as HTML messages (:meth:`Digest.text_parts`), a PNG
(:func:`coverage_chart`) and an .xlsx (:func:`digest_workbook`).
"""

from bot.reports.chart import coverage_chart
from bot.reports.digest import CityCoverage, Digest, OverdueGroup, build_digest
from bot.reports.fonts import FontMissing
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
from bot.reports.workbook import digest_workbook

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
