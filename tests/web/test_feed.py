"""The public count feed, its caching and CORS headers, and the probes, over real HTTP."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from core.bot import utc_now
from core.paper.tally import add_tally
from tests.web.site import EMAIL, NAME, SLUG, running_site, sign_in_terminal


async def test_the_feed_shows_the_count_goal_and_progress_after_a_signing(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        async with http.get(f"{site.url}/api/petitions/{SLUG}") as response:
            assert response.status == 200
            body = await response.json()
        assert body["slug"] == SLUG and body["title"] == "Don't Run Joe"
        assert body["count"] == 1 and body["goal"] == 100000 and body["today"] == 1
        assert body["last_24_hours"] == 1
        assert body["percent"] == 0.0 and body["next_milestone"] == 10000
        assert body["status"] == "open" and body["updated_at"]
        async with http.get(f"{site.url}/api/petitions") as response:
            listing = await response.json()
        assert [p["count"] for p in listing["petitions"]] == [1]


async def test_an_unchanged_count_answers_304_to_its_etag(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        url = f"{site.url}/api/petitions/{SLUG}"
        async with http.get(url) as first:
            etag = first.headers["ETag"]
            assert first.headers["Cache-Control"] == "public, max-age=5"
        async with http.get(url, headers={"If-None-Match": etag}) as again:
            assert again.status == 304
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        async with http.get(url, headers={"If-None-Match": etag}) as changed:
            assert changed.status == 200 and changed.headers["ETag"] != etag


async def test_an_unknown_petition_is_a_json_404(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        for path in ("/api/petitions/nope", "/widget/nope", "/poster/nope.png"):
            async with http.get(site.url + path) as response:
                assert response.status == 404
                assert (await response.json())["error"] == "no petition called 'nope'"
        async with http.get(site.url + "/no/such/page") as response:
            assert response.status == 404 and "error" in await response.json()


async def test_only_the_allowed_origins_may_read_the_feed(tmp_path: Path) -> None:
    origins = ["https://www.dontrunjoe.org"]
    async with (
        running_site(tmp_path, allowed_origins=origins) as site,
        aiohttp.ClientSession() as http,
    ):
        url = f"{site.url}/api/petitions/{SLUG}"
        async with http.get(url, headers={"Origin": origins[0]}) as allowed:
            assert allowed.headers["Access-Control-Allow-Origin"] == origins[0]
        async with http.get(url, headers={"Origin": "https://evil.example"}) as other:
            assert "Access-Control-Allow-Origin" not in other.headers


async def test_health_is_up_and_ready_waits_for_every_enabled_platform(tmp_path: Path) -> None:
    async with (
        running_site(tmp_path, expected=("Telegram",)) as site,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(site.url + "/healthz") as response:
            assert response.status == 200
        async with http.get(site.url + "/readyz") as response:
            assert response.status == 503
            assert (await response.json())["reasons"] == ["Telegram is not connected"]
        site.runtime.connections.connected("Telegram")
        async with http.get(site.url + "/readyz") as response:
            assert response.status == 200
        await site.close_store()
        async with http.get(site.url + "/readyz") as response:
            assert response.status == 503
            assert (await response.json())["reasons"] == ["the store does not answer"]


async def test_the_poster_is_a_png(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        response = await http.get(f"{site.url}/poster/{SLUG}.png")
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")


async def test_a_paused_petition_says_so_in_the_feed_and_the_widget_offers_no_sign_link(
    tmp_path: Path,
) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        petition = site.runtime.config.campaign.default_petition
        lifecycles = site.runtime.core.lifecycles
        await lifecycles.pause(petition, "console:organizer", utc_now())
        async with http.get(f"{site.url}/api/petitions/{SLUG}") as response:
            assert (await response.json())["status"] == "paused"
        async with http.get(f"{site.url}/widget/{SLUG}") as response:
            page = await response.text()
        assert "Signing is paused for now." in page and "Sign on Telegram" not in page
        await lifecycles.resume(petition, "console:organizer", utc_now())
        async with http.get(f"{site.url}/widget/{SLUG}") as response:
            assert "Sign on Telegram" in await response.text()


async def test_a_tally_added_now_is_in_today_and_in_the_last_24_hours(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        petition = site.runtime.config.campaign.default_petition
        await add_tally(site.runtime.store, petition, 80, "clipboards", "cli:ann", utc_now())
        async with http.get(f"{site.url}/api/petitions/{SLUG}") as response:
            body = await response.json()
        assert (body["count"], body["today"], body["last_24_hours"]) == (81, 81, 81)
