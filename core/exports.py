"""Signatures out to the tools organizers already use: CSV for uploads, OSDI JSON lines.

Exports stream from the store a batch at a time, so a petition of millions never sits in
memory. Only active signatures leave: the store's stream already skips withdrawn ones.

- ``csv``: the column names Action Network's upload reads (``email, first_name, last_name,
  zip_code, country``), then when, where and how each person signed. Every cell that a
  spreadsheet would read as a formula is neutralised (see :func:`neutralise`).
- ``osdi``: one JSON object per line, each the body of an OSDI ``record_signature_helper``
  POST (``action_date``, ``referrer_data``, ``person``), ready to replay against any OSDI
  system (Action Network and others).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Any

from core.models import AuditEntry, Signature
from core.store import Store

CSV_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "zip_code",
    "country",
    "created_date",
    "platform",
    "source",
    "referrer",
    "opted_in",
    "consent_version",
)
BATCH_SIZE = 1000
ORIGIN_SYSTEM = "petition-bot"
# OWASP "CSV injection": a cell starting with one of these is read as a formula (or, for
# tab and carriage return, can be shifted into one) by Excel, LibreOffice and Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Progress = Callable[[int], None]

log = logging.getLogger(__name__)


class ExportFormat(StrEnum):
    CSV = "csv"
    OSDI = "osdi"


MIME_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.OSDI: "application/x-ndjson"}
EXTENSIONS = {ExportFormat.CSV: "csv", ExportFormat.OSDI: "jsonl"}


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a ``'`` before it."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def split_name(name: str | None) -> tuple[str, str]:
    """First word and the rest: ``"Mary Ann van Dyke"`` → ``("Mary", "Ann van Dyke")``."""
    first, _, rest = (name or "").strip().partition(" ")
    return first, " ".join(rest.split())


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, e.g. ``2026-11-30T12:00:00Z`` (naive means UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_row(signature: Signature) -> list[str]:
    """One signature as the cells of :data:`CSV_COLUMNS`, each neutralised."""
    first, last = split_name(signature.name)
    cells = (
        signature.email or "",
        first,
        last,
        signature.postal_code or "",
        signature.country or "",
        iso_utc(signature.signed_at),
        signature.platform,
        signature.source or "",
        signature.referrer_code or "",
        "true" if signature.opted_in else "false",
        signature.consent_version,
    )
    return [neutralise(cell) for cell in cells]


def osdi_record(signature: Signature) -> dict[str, Any]:
    """The body of an OSDI ``record_signature_helper`` POST for one signature.

    The email's ``status`` carries the separate yes/no to updates: ``unsubscribed`` for a
    signer who declined, because OSDI systems subscribe new people by default.
    """
    first, last = split_name(signature.name)
    person: dict[str, Any] = {}
    if first:
        person["given_name"] = first
    if last:
        person["family_name"] = last
    if signature.email:
        status = "subscribed" if signature.opted_in else "unsubscribed"
        person["email_addresses"] = [
            {"address": signature.email, "primary": True, "status": status}
        ]
    if signature.postal_code or signature.country:
        address: dict[str, Any] = {"primary": True}
        if signature.postal_code:
            address["postal_code"] = signature.postal_code
        if signature.country:
            address["country"] = signature.country
        person["postal_addresses"] = [address]
    record: dict[str, Any] = {
        "origin_system": ORIGIN_SYSTEM,
        "action_date": iso_utc(signature.signed_at),
    }
    referrer = {
        key: value
        for key, value in (("referrer", signature.referrer_code), ("source", signature.source))
        if value
    }
    if referrer:
        record["referrer_data"] = referrer
    record["person"] = person
    return record


def status(signature: Signature) -> str:
    """``confirmed``, or ``pending`` while its emailed code has not come back."""
    return "pending" if signature.pending else "confirmed"


def _render(
    batch: list[Signature], fmt: ExportFormat, header: bool, with_status: bool = False
) -> str:
    buffer = io.StringIO()
    if fmt is ExportFormat.CSV:
        writer = csv.writer(buffer, lineterminator="\r\n")
        if header:
            writer.writerow(CSV_COLUMNS + (("status",) if with_status else ()))
        for signature in batch:
            extra = [status(signature)] if with_status else []
            writer.writerow(csv_row(signature) + extra)
    else:
        for signature in batch:
            record = osdi_record(signature)
            if with_status:
                record["custom_fields"] = {"status": status(signature)}
            buffer.write(json.dumps(record, ensure_ascii=False) + "\n")
    return buffer.getvalue()


async def write_export(
    store: Store,
    petition: str,
    out: IO[str] | IO[bytes],
    fmt: ExportFormat = ExportFormat.CSV,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    include_pending: bool = False,
) -> int:
    """Stream a petition's confirmed signatures to ``out`` and return how many rows were
    written; ``include_pending`` adds the pending ones and a ``status`` column.

    ``out`` may be a text stream (open it with ``newline=""``) or a binary one (UTF-8 is
    written). ``progress`` is called after each batch with the rows written so far. A CSV
    always has its header row, even with no signatures.
    """
    binary = not isinstance(out, io.TextIOBase)

    def emit(text: str) -> None:
        if text:
            # IO[str] | IO[bytes]: the branch picks the right one, which checkers can't see.
            out.write(text.encode("utf-8") if binary else text)  # type: ignore[arg-type]  # the branch picks str or bytes

    rows = 0
    emit(_render([], fmt, header=True, with_status=include_pending))
    async for batch in store.active_signatures(petition, batch_size, include_pending):
        emit(_render(batch, fmt, header=False, with_status=include_pending))
        rows += len(batch)
        if progress is not None:
            progress(rows)
    return rows


async def export_bytes(
    store: Store, petition: str, fmt: ExportFormat = ExportFormat.CSV
) -> tuple[bytes, int]:
    """The whole export as bytes (for a chat attachment) and its number of rows."""
    buffer = io.BytesIO()
    rows = await write_export(store, petition, buffer, fmt)
    return buffer.getvalue(), rows


async def export_size(store: Store, petition: str) -> int:
    """How many rows an export will have, from the store's counter: a progress bar's total."""
    return await store.count(petition)


def export_filename(petition: str, fmt: ExportFormat, today: datetime) -> str:
    """E.g. ``dont-run-joe-signatures-2026-11-30.csv``."""
    return f"{petition}-signatures-{today:%Y-%m-%d}.{EXTENSIONS[fmt]}"


class Exports:
    """The export use case every entry point calls: the rows written, and the audit entry
    that says who exported how many (also when the export was cut short)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def size(self, petition: str, include_pending: bool = False) -> int:
        """How many rows an export of ``petition`` will have (a progress bar's total)."""
        pending = await self._store.pending_count(petition) if include_pending else 0
        return await export_size(self._store, petition) + pending

    async def write(
        self,
        petition: str,
        out: IO[str] | IO[bytes],
        fmt: ExportFormat,
        actor: str,
        now: datetime,
        progress: Progress | None = None,
        include_pending: bool = False,
    ) -> int:
        """Stream the confirmed signatures (``include_pending``: all) to ``out``; audited with
        the row count, in any case."""
        written, finished = 0, False

        def counted(rows: int) -> None:
            nonlocal written
            written = rows
            if progress is not None:
                progress(rows)

        try:
            written = await write_export(
                self._store, petition, out, fmt, counted, include_pending=include_pending
            )
            finished = True
        finally:
            detail = f"{written} rows {fmt}" + (" with pending" if include_pending else "")
            detail += "" if finished else ", interrupted"
            await self._store.record_audit(
                AuditEntry(actor=actor, action="export", petition=petition, detail=detail, at=now)
            )
            log.info("export petition=%s rows=%d format=%s", petition, written, fmt)
        return written

    async def as_bytes(
        self, petition: str, fmt: ExportFormat, actor: str, now: datetime
    ) -> tuple[bytes, int]:
        """The whole export in memory (a chat attachment) and its number of rows; audited."""
        buffer = io.BytesIO()
        rows = await self.write(petition, buffer, fmt, actor, now)
        return buffer.getvalue(), rows
