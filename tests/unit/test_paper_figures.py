"""Imported and tallied signatures in every figure: /count, /stats, the chart and the feed."""

from __future__ import annotations

import io
from pathlib import Path

from core.bot import PetitionBot
from core.paper.rows import ImportOptions
from core.paper.sheet import Sheet
from core.paper.tally import add_tally
from core.public_feed import PublicFeed
from storage import SqliteStore
from tests.unit.chat import Chat, Clock, campaign
from tests.unit.test_chart import png_size

SHEET = "first_name,last_name,email,zip_code\n" + "".join(
    f"Paper,Person{n},paper{n}@example.org,12345\n" for n in range(30)
)


async def test_imports_and_tallies_count_everywhere_and_stats_show_them_apart(
    tmp_path: Path,
) -> None:
    clock = Clock()
    store = await SqliteStore.open(tmp_path / "figures.db")
    try:
        bot = PetitionBot(campaign(), store, clock=clock)
        petition = bot.campaign.default_petition
        await Chat(bot, "5").sign("Jane Doe", "jane@example.org")
        options = ImportOptions(consent_version="v1", signed_at=clock.now)
        sheet = Sheet(io.StringIO(SHEET, newline=""))
        report = await bot.imports.run(petition, sheet, options, "cli:ann", clock.now)
        assert report.added == 30
        await add_tally(store, petition, 69, "clipboards, Nov 12", "cli:ann", clock.now)

        moderator = Chat(bot, "moderator", platform="console")
        await moderator.send("/count")
        assert "100 signatures" in moderator.last
        stats = "".join(reply.text.to_plain_text() for reply in await moderator.send("/stats"))
        assert "Total: 100" in stats
        assert "Of the total: online 1 · imported 30 · tallied 69" in stats
        assert "tally 69" in stats and "import 30" in stats

        feed = await PublicFeed(bot.campaign, store).snapshot(petition, clock.now)
        assert (feed.count, feed.percent) == (100, 0.1)
        png = await bot.figures.chart(petition, clock.now.date())
        assert png_size(png) == (1200, 672)
    finally:
        await store.close()
