"""The signatures chart: a real PNG of every day since the first signature, sent with /stats."""

from __future__ import annotations

import struct
from datetime import date, timedelta

import pytest

from core.bot import PetitionBot
from core.chart import filled_days, signatures_chart, total_axis_top
from core.models import DayCount
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import Chat, Clock, campaign

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = date(2026, 11, 30)
PETITION = campaign().petitions[0]


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which always comes first."""
    assert png.startswith(PNG_SIGNATURE)
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert (length, kind) == (13, b"IHDR")
    return width, height


def test_days_without_signatures_count_as_zero_up_to_today() -> None:
    counts = [DayCount(day=TODAY - timedelta(days=5), count=3), DayCount(day=TODAY, count=2)]
    days = filled_days(counts, TODAY)
    assert [d.day for d in days] == [TODAY - timedelta(days=n) for n in range(5, -1, -1)]
    assert [d.count for d in days] == [3, 0, 0, 0, 0, 2]


def test_an_empty_petition_covers_the_last_30_days() -> None:
    days = filled_days([], TODAY)
    assert len(days) == 30 and days[-1].day == TODAY and {d.count for d in days} == {0}


def test_the_goal_line_is_drawn_once_the_total_is_in_sight() -> None:
    assert total_axis_top(50_000, 100_000) == (pytest.approx(110_000), True)
    assert total_axis_top(150_000, 100_000) == (pytest.approx(165_000), True)
    top, goal_fits = total_axis_top(18, 100_000)  # far off: the total gets its own scale
    assert not goal_fits and 18 < top < 100


def test_the_chart_is_a_png_of_a_sensible_size() -> None:
    counts = [
        DayCount(day=TODAY - timedelta(days=n), count=(n * 37) % 500)
        for n in range(40)
        if n % 9  # a few days without signatures
    ]
    near_goal = PETITION.model_copy(update={"goal": 10_000})  # the goal line is drawn
    png = signatures_chart(near_goal, counts, TODAY)
    width, height = png_size(png)
    assert 800 <= width <= 2000 and 400 <= height <= 1200 and width > height
    assert 10_000 < len(png) < 500_000


def test_a_title_the_font_cannot_draw_is_no_error() -> None:
    # pytest turns warnings into errors: matplotlib's "Glyph missing" must not escape.
    petition = PETITION.model_copy(update={"title": "Save the 🐝 — 中文"})
    assert signatures_chart(petition, [], TODAY).startswith(PNG_SIGNATURE)


async def test_stats_sends_the_report_then_the_chart() -> None:
    store = MemoryStore()
    bot = PetitionBot(campaign(moderators=frozenset({"telegram:42"})), store, clock=Clock())
    await Chat(bot, "1").sign("Jane Doe", "jane@example.org")
    report, chart = await Chat(bot, "42").send("/stats")
    assert "Total: 1" in report.text.to_plain_text() and report.file is None
    assert chart.file is not None
    assert chart.file.filename == "dont-run-joe-signatures.png"
    assert chart.file.mime_type == "image/png"
    assert png_size(chart.file.content) == (1200, 672)
    assert "running total of Don't Run Joe" in chart.text.to_plain_text()
