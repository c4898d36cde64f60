"""The share poster: a printable PNG with the title, the count and a QR code of the bot's link.

Drawn with Pillow (already installed by matplotlib, whose bundled DejaVu font it uses, so the
poster looks the same on every machine) and segno for the QR code.
"""

from __future__ import annotations

import asyncio
import io
import textwrap

import segno
from aiohttp import web
from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont

from bots.config import AppConfig
from bots.web.context import context_of
from bots.web.feed import json_error, petition_or_404
from bots.web.language import ENGLISH, PageWords, page_language
from core.bot import utc_now
from core.config import PetitionConfig
from core.public_feed import PublicCount

routes = web.RouteTableDef()

# A4 portrait at 100 dpi is 827 x 1169: big enough to print sharp at flyer size.
WIDTH, HEIGHT = 1240, 1754  # A4 at 150 dpi
MARGIN = 100


def poster_link(config: AppConfig, petition: PetitionConfig) -> str | None:
    """Where the QR code points: the first configured sign link, else the petition's site."""
    for url in config.web.sign_links.values():
        return str(url)
    return str(petition.site_url) if petition.site_url else None


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    return ImageFont.truetype(font_manager.findfont(name), size)


def draw_poster(snapshot: PublicCount, link: str, words: PageWords = ENGLISH) -> bytes:
    """The poster as PNG bytes in ``words``' language (about 100 ms: call it in a thread)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    title_font = _font(88, bold=True)
    for line in textwrap.wrap(snapshot.title, width=20):
        draw.text((MARGIN, y), line, font=title_font, fill="#111111")
        y += 104
    y += 40
    draw.text((MARGIN, y), words.number(snapshot.count), font=_font(150, bold=True), fill="#1a7f37")
    y += 180
    draw.text((MARGIN, y), poster_goal_line(snapshot, words), font=_font(56), fill="#333333")
    y += 110
    qr = segno.make(link, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=1, border=2)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    side = min(WIDTH - 2 * MARGIN, HEIGHT - y - MARGIN - 90)
    code = code.resize((side, side), Image.Resampling.NEAREST)
    image.paste(code, ((WIDTH - side) // 2, y))
    scan = words.scan_to_sign.replace("{link}", link)
    draw.text((MARGIN, y + side + 20), scan, font=_font(36), fill="#333333")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def poster_goal_line(snapshot: PublicCount, words: PageWords) -> str:
    """The line under the big number: "signatures of 100,000", "firmas de 100.000"."""
    return f"{words.noun_for(snapshot.count)} {words.of_goal} {words.number(snapshot.goal)}"


async def poster_png(snapshot: PublicCount, link: str, words: PageWords = ENGLISH) -> bytes:
    """`draw_poster` in a thread, so the server keeps answering while it draws."""
    return await asyncio.to_thread(draw_poster, snapshot, link, words)


@routes.get("/poster/{slug}.png")
async def poster(request: web.Request) -> web.Response:
    petition = petition_or_404(request)
    context = context_of(request)
    link = poster_link(context.runtime.config, petition)
    if link is None:
        return json_error(404, "no sign link configured: set [web] sign_links or site_url")
    snapshot = await context.feed.snapshot(petition, utc_now())
    catalog = context.runtime.core.catalog
    accept = request.headers.get("Accept-Language")
    language = page_language(catalog, request.query.get("lang"), accept, petition.language)
    petition = petition.in_language(language)  # its title as that language writes it
    snapshot = snapshot.model_copy(update={"title": petition.title})
    return web.Response(
        body=await poster_png(snapshot, link, PageWords.of(catalog, language, petition)),
        content_type="image/png",
        headers={
            "Cache-Control": "public, max-age=60",
            "Content-Language": language,
            "Vary": "Accept-Language",
        },
    )
