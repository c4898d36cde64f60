"""An import's reasons name a field as the organizer's language does ("ZIP code",
"código ZIP"), never by its config name (``postal_code``)."""

from __future__ import annotations

import io

import pytest

from core.bot import PetitionBot
from core.paper.importer import ImportRefused
from core.paper.rows import ImportOptions
from core.paper.sheet import Sheet
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Clock, campaign

ROWS = "name,email,zip_code\nAna Ruiz,ana@example.org,\nLuis Gil,not-an-address,12345\n"


def sheet(text: str) -> Sheet:
    return Sheet(io.StringIO(text, newline=""))


@pytest.mark.parametrize(
    ("language", "missing", "invalid"),
    [
        ("en", "no ZIP code", "email address: "),
        ("es", "falta el campo código ZIP", "correo electrónico: "),
    ],
)
async def test_rejected_rows_name_the_field_in_the_organizers_language(
    language: str, missing: str, invalid: str
) -> None:
    clock = Clock()
    bot = PetitionBot(campaign(), MemoryStore(), clock=clock)
    petition = bot.campaign.default_petition
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    report = await bot.imports.run(
        petition, sheet(ROWS), options, "cli:ann", clock.now, language=language
    )
    reasons = [rejection.reason for rejection in report.rejected]
    assert reasons[0] == missing
    assert reasons[1].startswith(invalid)
    assert not any("postal_code" in reason or "email:" in reason for reason in reasons)


async def test_a_missing_column_is_named_in_the_organizers_language() -> None:
    clock = Clock()
    bot = PetitionBot(campaign(), MemoryStore(), clock=clock)
    petition = bot.campaign.default_petition
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    with pytest.raises(ImportRefused) as refused:
        await bot.imports.run(
            petition, sheet("name,email\nAna,ana@example.org\n"), options, "x", clock.now, "es"
        )
    assert refused.value.values == {"field": "código ZIP"}
