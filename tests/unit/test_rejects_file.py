"""The rejects file an organizer opens in a spreadsheet runs no formula from the sheet, in
its header as in its rows."""

from __future__ import annotations

import csv
import io

from core.bot import PetitionBot
from core.paper.rejects import rejects_bytes
from core.paper.rows import ImportOptions
from core.paper.sheet import Sheet
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Clock, campaign


async def test_formula_cells_in_the_header_and_the_rows_are_neutralised() -> None:
    clock = Clock()
    bot = PetitionBot(campaign(), MemoryStore(), clock=clock)
    text = 'name,email,zip_code,"=HYPERLINK(""http://evil.example"",""x"")"\n'
    text += "Ana Ruiz,ana@example.org,1,@SUM(A1)\n"
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    report = await bot.imports.run(
        bot.campaign.default_petition,
        Sheet(io.StringIO(text, newline="")),
        options,
        "cli:ann",
        clock.now,
    )
    header, row = list(csv.reader(io.StringIO(rejects_bytes(report).decode("utf-8-sig"))))
    assert header[-1] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[-1] == "'@SUM(A1)"
    cells = [cell for line in (header, row) for cell in line]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


async def test_a_repeated_column_name_reads_the_first_and_keeps_both_cells() -> None:
    clock, store = Clock(), MemoryStore()
    bot = PetitionBot(campaign(), store, clock=clock)
    text = "name,email,email,zip_code\nAna Ruiz,ana@example.org,ana.work@example.org,12345\n"
    text += "Bo Roe,bo@example.org,bo.work@example.org,1\n"
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    report = await bot.imports.run(
        bot.campaign.default_petition,
        Sheet(io.StringIO(text, newline="")),
        options,
        "cli:ann",
        clock.now,
    )
    assert [s.email for s in store.signatures] == ["ana@example.org"]
    rows = list(csv.reader(io.StringIO(rejects_bytes(report).decode("utf-8-sig"))))
    assert rows[0] == ["line", "reason", "name", "email", "email (2)", "zip_code"]
    assert rows[1][2:] == ["Bo Roe", "bo@example.org", "bo.work@example.org", "1"]
