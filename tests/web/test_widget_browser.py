"""The widget in a real browser: counted on the server, then live; readable at 320 px and
without JavaScript. Screenshots land in the test's tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from tests.web.browser import chromium
from tests.web.site import EMAIL, NAME, SLUG, running_site, sign_in_terminal

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@asynccontextmanager
async def campaign_page(widget_url: str) -> AsyncIterator[str]:
    """A page of the campaign's own site (another origin) that embeds the widget."""
    html = (
        "<!doctype html><html><body><h1>Campaign</h1>"
        f'<iframe src="{widget_url}" style="width:100%;height:220px;border:0"></iframe>'
        "</body></html>"
    )

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    finally:
        await runner.cleanup()


async def test_the_embedded_widget_shows_the_count_and_follows_a_signing(
    tmp_path: Path,
) -> None:
    async with (
        running_site(tmp_path, event_interval_seconds=0.2) as site,
        campaign_page(f"{site.url}/widget/{SLUG}?theme=dark&accent=%23c00") as page_url,
        chromium() as page,
    ):
        await page.navigate(page_url)
        frame = await page.frame_context()
        await page.wait_for("document.getElementById('count') !== null", frame)
        assert await page.evaluate("document.getElementById('count').textContent", frame) == "0"
        await page.screenshot(tmp_path / "widget-before.png")

        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        await page.wait_for("document.getElementById('count').textContent === '1'", frame)
        bar = "document.querySelector('[role=progressbar]').getAttribute('aria-valuenow')"
        assert await page.evaluate(bar, frame) == "1"
        assert await page.evaluate("performance.navigation.type", frame) == 0  # no reload
        await page.screenshot(tmp_path / "widget-after.png")


async def test_without_javascript_at_320_px_the_widget_shows_the_count_and_fits(
    tmp_path: Path,
) -> None:
    async with running_site(tmp_path) as site, chromium(width=320, height=480) as page:
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        await page.send("Emulation.setScriptExecutionDisabled", value=True)
        await page.navigate(f"{site.url}/widget/{SLUG}")
        assert await page.evaluate("document.getElementById('count').textContent") == "1"
        goal = await page.evaluate("document.getElementById('goal').textContent")
        assert goal == "100,000"
        links = await page.evaluate("[...document.querySelectorAll('.links a')].map(a => a.href)")
        assert links == ["https://t.me/dontrunjoe_bot"]
        assert await page.evaluate("window.innerWidth") == 320
        assert await page.evaluate(NO_OVERFLOW)
        await page.screenshot(tmp_path / "widget-320-no-js.png")


async def test_a_spanish_widget_stays_spanish_as_it_follows_a_signing(tmp_path: Path) -> None:
    async with (
        running_site(tmp_path, event_interval_seconds=0.2) as site,
        campaign_page(f"{site.url}/widget/{SLUG}?lang=es") as page_url,
        chromium() as page,
    ):
        await page.navigate(page_url)
        frame = await page.frame_context()
        await page.wait_for("document.getElementById('count') !== null", frame)
        assert await page.evaluate("document.getElementById('noun').textContent", frame) == "firmas"
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        await page.wait_for("document.getElementById('count').textContent === '1'", frame)
        assert await page.evaluate("document.getElementById('noun').textContent", frame) == "firma"
        goal = await page.evaluate("document.getElementById('goal').textContent", frame)
        assert goal == "100.000"
