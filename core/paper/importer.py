"""`SignatureImport`: a sheet's rows become signatures, in batches, with a report of the rest.

Every entry point calls it (``petition-bot import``, the chat's ``/import``). Rows are checked
by the signing conversation's validators, de-duplicated within the sheet by the email key
(or, where the petition collects no email, by name and postal code), then stored a batch at
a time by `Store.import_signatures`, which leaves out anyone who already signed (in a chat or
an earlier import): running the same sheet twice adds nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from core.catalog import Catalog
from core.config import FieldName, PetitionConfig
from core.errors import BadInput
from core.models import AuditEntry, NewSignature
from core.paper.rows import ImportOptions, RowRejected, identity_key, signature_from_row
from core.paper.sheet import Sheet, SheetField, SheetRow, SheetUnreadable
from core.prompts import field_key
from core.store import Store

BATCH_SIZE = 1000
YIELD_EVERY = 100
# Which sheet columns can give each field the petition asks for (a name also from its parts).
_COLUMNS_FOR = {
    FieldName.NAME: (SheetField.NAME, SheetField.FIRST_NAME),
    FieldName.EMAIL: (SheetField.EMAIL,),
    FieldName.POSTAL_CODE: (SheetField.POSTAL_CODE,),
}

Progress = Callable[[int], None]

log = logging.getLogger(__name__)


class ImportRefused(BadInput):
    """The sheet can't be imported into this petition at all (a column it needs is missing);
    ``message_key`` names the answer."""

    def __init__(self, message_key: str, **values: object) -> None:
        super().__init__(f"{message_key}: {values}")
        self.message_key = message_key
        self.values = values


class RowRejection(BaseModel):
    """One row left out: its line, why (a sentence of the catalog), and its cells."""

    model_config = ConfigDict(frozen=True)

    line: int
    reason: str
    duplicate: bool  # someone who already signed, or a row repeating an earlier one
    cells: dict[str, str]


class ImportReport(BaseModel):
    """What an import did: rows read, signatures added, and every row left out."""

    model_config = ConfigDict(frozen=True)

    petition: str
    source: str
    header: tuple[str, ...]
    rows: int
    added: int
    rejected: tuple[RowRejection, ...]
    dry_run: bool

    @property
    def duplicates(self) -> int:
        return sum(rejection.duplicate for rejection in self.rejected)

    @property
    def invalid(self) -> int:
        return len(self.rejected) - self.duplicates


class SignatureImport:
    """Imports sheets into one store, with the campaign's petitions and catalog."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self._store = store
        self._catalog = catalog

    async def run(
        self,
        petition: PetitionConfig,
        sheet: Sheet,
        options: ImportOptions,
        actor: str,
        at: datetime,
        language: str | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import every row of ``sheet`` (with ``dry_run``, only say what would happen);
        audited at ``at`` as ``signatures_imported``, with counts only."""
        run = _Run(self._store, self._catalog, petition, language)
        try:
            check_columns(petition, sheet)
        except ImportRefused as exc:
            if "field" in exc.values:  # the field as the organizer's language names it
                exc.values["field"] = run.field_noun(str(exc.values["field"]))
            raise
        try:
            await run.read(sheet, options, progress)
        except SheetUnreadable as exc:
            if options.dry_run or not run.added:
                raise
            # Batches before the bad line are stored already: say so, and audit them.
            await self._audit(run.report(sheet, options), actor, at, f" stopped={exc.message_key}")
            raise SheetUnreadable(
                f"{exc.message_key}_after", added=run.added, **exc.values
            ) from exc
        report = run.report(sheet, options)
        if not options.dry_run:
            await self._audit(report, actor, at)
        log.info(
            "import petition=%s rows=%d added=%d rejected=%d dry_run=%s",
            petition.slug,
            report.rows,
            report.added,
            len(report.rejected),
            options.dry_run,
        )
        return report

    async def _audit(
        self, report: ImportReport, actor: str, at: datetime, stopped: str = ""
    ) -> None:
        detail = (
            f"source={report.source} rows={report.rows} added={report.added}"
            f" invalid={report.invalid} duplicates={report.duplicates}{stopped}"
        )
        await self._store.record_audit(
            AuditEntry(
                actor=actor,
                action="signatures_imported",
                petition=report.petition,
                detail=detail,
                at=at,
            )
        )


def check_columns(petition: PetitionConfig, sheet: Sheet) -> None:
    """Refuse a sheet that lacks a column for a field the petition asks for, or a petition
    whose rows could not be told apart (neither a name nor an email)."""
    if FieldName.NAME not in petition.fields and FieldName.EMAIL not in petition.fields:
        raise ImportRefused("import_no_identity", title=petition.title)
    for field in petition.fields:
        if not sheet.fields & set(_COLUMNS_FOR[field]):
            raise ImportRefused("import_missing_column", field=field.value)


class _Run:
    """The state of one import as it goes: rows seen, people seen, what was refused."""

    def __init__(
        self, store: Store, catalog: Catalog, petition: PetitionConfig, language: str | None
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._petition = petition
        self._language = language
        self._seen: dict[str, int] = {}  # identity key → the line that gave it first
        self.rows = 0
        self.added = 0
        self.rejected: list[RowRejection] = []

    async def read(self, sheet: Sheet, options: ImportOptions, progress: Progress | None) -> None:
        """Every row of the sheet, a batch at a time. One batch is stored while the next is
        validated (the store writes on its own thread or server); at most one is in flight,
        so memory stays one batch deep."""
        batch: list[tuple[SheetRow, NewSignature]] = []
        storing: asyncio.Future[None] | None = None
        try:
            for row in sheet:
                new = self.accept(row, options)
                if new is not None:
                    batch.append((row, new))
                if self.rows % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # validation is CPU work: let other chats be answered
                if len(batch) >= BATCH_SIZE:
                    if storing is not None:
                        await storing
                    storing = asyncio.ensure_future(self.store(batch, options.dry_run))
                    batch = []
                    if progress is not None:
                        progress(sheet.line)
        except BaseException:
            if storing is not None:  # a broken line: the batch in flight still ends first
                await asyncio.wait([storing])
            raise
        if storing is not None:
            await storing
        await self.store(batch, options.dry_run)
        if progress is not None:
            progress(sheet.line)

    def report(self, sheet: Sheet, options: ImportOptions) -> ImportReport:
        """What the run has done so far."""
        return ImportReport(
            petition=self._petition.slug,
            source=options.source,
            header=tuple(sheet.header),
            rows=self.rows,
            added=self.added,
            rejected=tuple(sorted(self.rejected, key=lambda r: r.line)),
            dry_run=options.dry_run,
        )

    def accept(self, row: SheetRow, options: ImportOptions) -> NewSignature | None:
        """The row's signature, unless it is invalid or repeats an earlier row."""
        self.rows += 1
        try:
            new = signature_from_row(row, self._petition, options)
        except RowRejected as exc:
            values = dict(exc.values)
            if "field" in values:
                values["field"] = self.field_noun(str(values["field"]))
            if "problem" in values:
                values["problem"] = self._text(str(values["problem"]))
            self._reject(row, self._text(exc.key, **values), duplicate=False)
            return None
        key = identity_key(new)
        if key in self._seen:
            first = self._seen[key]
            reason = "import_reject_repeated" if new.email else "import_reject_repeated_person"
            self._reject(row, self._text(reason, line=first), duplicate=True)
            return None
        self._seen[key] = row.line
        return new

    async def store(self, batch: list[tuple[SheetRow, NewSignature]], dry_run: bool) -> None:
        """Store a batch (or, dry, only look it up); rows someone already signed for are
        reported."""
        if not batch:
            return
        rows = [new for _, new in batch]
        if dry_run:
            stored = [not signed for signed in await self._store.signed_already(rows)]
        else:
            stored = await self._store.import_signatures(rows)
        for (row, new), kept in zip(batch, stored, strict=True):
            if kept:
                self.added += 1
            else:
                reason = "import_reject_signed" if new.email else "import_reject_imported"
                self._reject(row, self._text(reason), duplicate=True)

    def field_noun(self, field: str) -> str:
        """A field as the catalog names it in a sentence ("ZIP code", "código postal")."""
        key = field_key("detail", FieldName(field), self._petition.country)
        return self._text(key)

    def _reject(self, row: SheetRow, reason: str, duplicate: bool) -> None:
        self.rejected.append(
            RowRejection(line=row.line, reason=reason, duplicate=duplicate, cells=row.cells)
        )

    def _text(self, key: str, **values: object) -> str:
        return self._catalog.render(
            key, self._language, self._petition.messages, **values
        ).to_plain_text()
