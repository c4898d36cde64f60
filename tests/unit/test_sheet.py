"""Reading a sheet: Action Network's column names, a BOM, other separators, broken lines,
and what an import logs (counts, never a person)."""

from __future__ import annotations

import io
import logging

import pytest

from core.bot import PetitionBot
from core.paper.importer import ImportRefused
from core.paper.rows import ImportOptions
from core.paper.sheet import Sheet, SheetField, SheetUnreadable, parse_mapping
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign


def sheet(text: str, *maps: str) -> Sheet:
    return Sheet(io.StringIO(text, newline=""), parse_mapping(maps))


def test_action_network_names_a_bom_and_semicolons_are_read() -> None:
    read = sheet("\ufeffFirst Name;Last-Name;E-mail;ZIP;Other\nJane;Doe;jane@example.org;12345;x\n")
    assert read.columns == {
        "First Name": SheetField.FIRST_NAME,
        "Last-Name": SheetField.LAST_NAME,
        "E-mail": SheetField.EMAIL,
        "ZIP": SheetField.POSTAL_CODE,
    }
    [row] = list(read)
    assert row.line == 2 and row.values[SheetField.EMAIL] == "jane@example.org"


def test_rows_keep_the_line_they_start_on_past_blank_lines_and_quoted_newlines() -> None:
    text = 'name,email,zip_code\n"Jane\nDoe",jane@example.org,12345\n\nBob Roe,bob@example.org,1\n'
    assert [row.line for row in sheet(text)] == [2, 5]


def test_a_map_names_a_column_and_a_bad_map_or_column_is_refused() -> None:
    read = sheet("Nom,Courriel\nJane,jane@example.org\n", "Nom=name", "courriel=email")
    assert read.fields == {SheetField.NAME, SheetField.EMAIL}
    with pytest.raises(SheetUnreadable) as bad:
        parse_mapping(["Nom=nickname"])
    assert bad.value.message_key == "import_bad_map"
    with pytest.raises(SheetUnreadable) as unknown:
        sheet("a,b\n1,2\n", "Nom=name")
    assert unknown.value.message_key == "import_map_unknown_column"
    assert unknown.value.values == {"column": "nom", "columns": "a, b"}


def test_an_empty_file_and_an_unclosed_quote_are_named() -> None:
    with pytest.raises(SheetUnreadable) as empty:
        sheet("")
    assert empty.value.message_key == "import_no_header"
    rows = iter(sheet('name,email\n"Jane,jane@example.org\n'))
    with pytest.raises(SheetUnreadable) as broken:
        list(rows)
    assert broken.value.message_key == "import_broken_csv" and broken.value.values == {"line": 2}


async def test_an_import_logs_counts_and_never_a_person(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = Clock()
    bot = PetitionBot(campaign(), MemoryStore(), clock=clock)
    petition = bot.campaign.default_petition
    text = "name,email,zip_code\nZelda Quux,zelda@example.org,98765\nZelda Quux,bad,98765\n"
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    report = await bot.imports.run(petition, sheet(text), options, "cli:ann", clock.now)
    assert (report.added, report.invalid) == (1, 1)
    assert "rows=2 added=1 rejected=1" in caplog.text
    for secret in ("Zelda", "zelda@", "98765", "bad"):
        assert secret not in caplog.text
    without_zip = sheet("name,email\nJane,jane@example.org\n")
    with pytest.raises(ImportRefused) as refused:
        await bot.imports.run(petition, without_zip, options, "cli:ann", clock.now)
    assert refused.value.values == {"field": "ZIP code"}


async def test_a_platform_that_takes_no_files_says_where_to_import() -> None:
    bot = PetitionBot(campaign(), MemoryStore(), clock=Clock())
    organizer = Chat(bot, "organizer", platform="console")
    await organizer.send("/import 2026-11")
    assert "I can't receive files here" in organizer.last
    supporter = Chat(bot, "alice", platform="console")
    await supporter.send("/import 2026-11")
    assert "only for the campaign team" in supporter.last


async def test_a_sheet_filled_in_spanish_opts_in_with_si() -> None:
    clock, store = Clock(), MemoryStore()
    bot = PetitionBot(campaign(), store, clock=clock)
    petition = bot.campaign.default_petition
    text = (
        "name,email,zip_code,opted_in\n"
        "Ana Ruiz,ana@example.org,12345,Sí\n"
        "Luis Gil,luis@example.org,12345,no\n"
        "Eva Paz,eva@example.org,12345,quizás\n"
    )
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    report = await bot.imports.run(petition, sheet(text), options, "cli:ann", clock.now)
    assert (report.added, report.invalid) == (2, 1)
    stored = {s.email: s.opted_in for s in store.signatures}
    assert stored["ana@example.org"] is True and stored["luis@example.org"] is False


async def test_a_quote_left_open_after_the_first_batch_says_how_many_went_in() -> None:
    clock, store = Clock(), MemoryStore()
    bot = PetitionBot(campaign(), store, clock=clock)
    petition = bot.campaign.default_petition
    people = "".join(f"P{i} Quux,p{i}@example.org,12345\n" for i in range(1500))
    text = "name,email,zip_code\n" + people + 'Ren "Roe,"r@example.org,12345\n'
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    with pytest.raises(SheetUnreadable) as stopped:
        await bot.imports.run(petition, sheet(text), options, "cli:ann", clock.now)
    assert stopped.value.message_key == "import_broken_csv_after"
    assert stopped.value.values == {"line": 1502, "added": 1000}
    assert await store.count(petition.slug) == 1000
    [audited] = store.audit
    assert "added=1000" in (audited.detail or "")
    dry = options.model_copy(update={"dry_run": True})
    with pytest.raises(SheetUnreadable) as dry_stop:  # nothing stored: nothing to tell
        await bot.imports.run(petition, sheet(text), dry, "cli:ann", clock.now)
    assert dry_stop.value.message_key == "import_broken_csv"


async def test_a_huge_cell_or_a_broken_header_is_named_for_what_it_is() -> None:
    clock = Clock()
    bot = PetitionBot(campaign(), MemoryStore(), clock=clock)
    petition = bot.campaign.default_petition
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    huge = "name,email,zip_code\nAna Ruiz,ana@example.org,12345\n" + "x" * 200_000 + ",b,1\n"
    with pytest.raises(SheetUnreadable) as too_long:
        await bot.imports.run(petition, sheet(huge), options, "cli:ann", clock.now)
    assert too_long.value.message_key == "import_cell_too_long"
    assert too_long.value.values == {"line": 3, "limit": 131_072}
    text = bot.catalog.render("import_cell_too_long", "es", **too_long.value.values)
    assert "La línea 3 tiene una celda de más de 131.072 caracteres" in text.to_plain_text()
    with pytest.raises(SheetUnreadable) as broken_header:
        sheet('name,"email\nAna,ana@example.org\n')
    assert broken_header.value.message_key == "import_broken_csv"
    assert broken_header.value.values == {"line": 1}
