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
