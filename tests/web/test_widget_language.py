"""The widget in the visitor's language, over real HTTP: ``?lang=es`` or the browser's
Accept-Language picks Spanish (the petition's translated title, Spanish words and numbers);
anything else gets the petition's own language."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bots.web.language import PageWords
from bots.web.poster import poster_goal_line
from core.bot import utc_now
from core.public_feed import PublicCount
from tests.web.site import EMAIL, NAME, SLUG, running_site, sign_in_terminal

SPANISH_TITLE = "No te presentes, Joe"


async def test_lang_es_writes_the_widget_in_spanish(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        async with http.get(f"{site.url}/widget/{SLUG}?lang=es") as response:
            page = await response.text()
            assert response.headers["Content-Language"] == "es"
            assert "Accept-Language" in response.headers["Vary"]
        assert '<html lang="es">' in page
        assert f"<h1>{SPANISH_TITLE}</h1>" in page
        assert '<span id="noun">firma</span>' in page
        assert 'de <span id="goal">100.000</span>' in page
        assert "Firmar en Telegram" in page and 'aria-label="Firmas hacia el objetivo"' in page
        for english in ("Don&#x27;t Run Joe", "signature", "Sign on", "toward the goal"):
            assert english not in page


async def test_accept_language_picks_the_best_shipped_language(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        url = f"{site.url}/widget/{SLUG}"
        spanish = {"Accept-Language": "fr-CH, fr;q=0.9, es-MX;q=0.8, en;q=0.5"}
        async with http.get(url, headers=spanish) as response:
            assert SPANISH_TITLE in await response.text()
        english = {"Accept-Language": "de, en-GB;q=0.9, es;q=0.1"}
        async with http.get(url, headers=english) as response:
            page = await response.text()
        assert '<html lang="en">' in page and "Sign on Telegram" in page
        # An explicit ?lang= wins over the header; an unknown one is the petition's language.
        async with http.get(f"{url}?lang=es", headers=english) as response:
            assert SPANISH_TITLE in await response.text()
        async with http.get(f"{url}?lang=xx&lang=<b>") as response:
            page = await response.text()
        assert '<html lang="en">' in page and "<b>" not in page


async def test_a_paused_petition_says_so_in_spanish(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        petition = site.runtime.config.campaign.default_petition
        await site.runtime.core.lifecycles.pause(petition, "console:organizer", utc_now())
        async with http.get(f"{site.url}/widget/{SLUG}?lang=es") as response:
            page = await response.text()
        assert "La recogida de firmas está en pausa por ahora." in page
        assert "Firmar en" not in page


async def test_the_poster_is_drawn_in_the_visitors_language(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        url = f"{site.url}/poster/{SLUG}.png"
        async with http.get(f"{url}?lang=es") as response:
            assert response.headers["Content-Language"] == "es"
            spanish = await response.read()
        async with http.get(url, headers={"Accept-Language": "es-ES,es;q=0.9"}) as response:
            assert await response.read() == spanish
        async with http.get(url) as response:
            assert response.headers["Content-Language"] == "en"
            assert await response.read() != spanish
    catalog = site.runtime.core.catalog
    petition = site.runtime.config.campaign.default_petition.in_language("es")
    words = PageWords.of(catalog, "es", petition)
    snapshot = PublicCount(
        slug=SLUG, title=petition.title, status="open", count=1_000_000, goal=2_000_000,
        percent=50.0, next_milestone=None, last_24_hours=0, today=0, yesterday=0,
        updated_at=utc_now(),
    )  # fmt: skip
    assert poster_goal_line(snapshot, words) == "de firmas de 2.000.000"
    assert words.scan_to_sign == "Escanea para firmar: {link}"
