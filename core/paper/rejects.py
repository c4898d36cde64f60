"""The rows an import left out, as a CSV an organizer can fix and import again.

Columns: ``line`` and ``reason``, then the sheet's own columns as they were (every cell a
spreadsheet would read as a formula neutralised, the header's too, as exports do). It holds
personal data.
"""

from __future__ import annotations

import csv
import io
from typing import IO

from core.exports import neutralise
from core.paper.importer import ImportReport

MIME_TYPE = "text/csv"


def write_rejects(report: ImportReport, out: IO[str]) -> int:
    """Write the report's rejected rows to ``out`` (opened with ``newline=""``); how many."""
    writer = csv.writer(out)
    # The header is the sheet's too: a column named "=HYPERLINK(...)" is a formula as well.
    writer.writerow(["line", "reason", *(neutralise(column) for column in report.header)])
    for rejection in report.rejected:
        cells = [rejection.cells.get(column, "") for column in report.header]
        writer.writerow([rejection.line, rejection.reason, *(neutralise(c) for c in cells)])
    return len(report.rejected)


def rejects_bytes(report: ImportReport) -> bytes:
    """The rejects CSV as UTF-8 bytes with a byte-order mark (so Excel reads it as UTF-8)."""
    buffer = io.StringIO(newline="")
    write_rejects(report, buffer)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rejects_filename(report: ImportReport) -> str:
    """``<petition>-import-rejects.csv``."""
    return f"{report.petition}-import-rejects.csv"
