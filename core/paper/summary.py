"""What an import did, in one message of the catalog: rows read, added, left out and why."""

from __future__ import annotations

from core.catalog import Catalog
from core.config import PetitionConfig
from core.markup import Markup
from core.paper.importer import ImportReport


def import_summary(
    catalog: Catalog, petition: PetitionConfig, report: ImportReport, language: str | None = None
) -> Markup:
    """``import_done`` (or ``import_dry_run``) with the report's counts."""
    return catalog.render(
        "import_dry_run" if report.dry_run else "import_done",
        language,
        petition.messages,
        title=petition.title,
        rows=report.rows,
        added=report.added,
        invalid=report.invalid,
        duplicates=report.duplicates,
    )
