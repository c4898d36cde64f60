"""`/widget/{slug}`: the embeddable counter, rendered on the server and then kept live by SSE;
`/embed.js`: a snippet that puts the widget's iframe where it is included."""

from __future__ import annotations

import re
from html import escape

from aiohttp import web

from bots.web.context import context_of
from bots.web.feed import petition_or_404
from bots.web.language import ENGLISH, PageWords, page_language
from core.bot import utc_now
from core.public_feed import STATUS_NOTES, PublicCount

routes = web.RouteTableDef()

ACCENT = re.compile(r"^#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?$")  # only a colour, never CSS
DEFAULT_ACCENT = "#1a7f37"
THEMES = {
    "light": ("#ffffff", "#1f2328", "#d0d7de"),
    "dark": ("#0d1117", "#e6edf3", "#30363d"),
}
PLATFORM_LABELS = {"telegram": "Telegram", "discord": "Discord", "matrix": "Matrix"}

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
*{{box-sizing:border-box}}
html,body{{margin:0;padding:0;background:{background};color:{text};
font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}}
.widget{{padding:12px;max-width:100%;overflow-wrap:anywhere}}
h1{{font-size:1.1rem;margin:0 0 8px}}
.figures{{margin:0 0 8px}}
#count{{font-size:1.6rem;font-weight:700}}
.bar{{height:12px;border-radius:6px;background:{track};overflow:hidden}}
.fill{{height:100%;background:{accent};width:{percent}%}}
.links{{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px}}
.links a{{color:#fff;background:{accent};padding:6px 10px;border-radius:6px;
text-decoration:none;font-weight:600}}
</style></head>
<body><div class="widget">
<h1>{title}</h1>
<p class="figures"><span id="count">{count_text}</span> <span id="noun">{noun}</span>
{of_goal} <span id="goal">{goal_text}</span></p>
<div class="bar" id="bar" role="progressbar" aria-label="{progress_label}"
aria-valuemin="0" aria-valuemax="{goal}" aria-valuenow="{count}">
<div class="fill" id="fill"></div></div>
<div class="links">{links}</div>
</div>
<script>
(function () {{
  var events = new EventSource({events_url});
  var words = {words};
  var format = new Intl.NumberFormat(words.lang);
  var plural = new Intl.PluralRules(words.lang);
  events.addEventListener("count", function (message) {{
    var update = JSON.parse(message.data);
    document.getElementById("count").textContent = format.format(update.count);
    var noun = words.noun[plural.select(update.count)] || words.noun.other;
    document.getElementById("noun").textContent = noun;
    var bar = document.getElementById("bar");
    bar.setAttribute("aria-valuenow", String(update.count));
    document.getElementById("fill").style.width = update.percent + "%";
  }});
}})();
</script>
</body></html>
"""


def render_widget(
    snapshot: PublicCount,
    links: dict[str, str],
    theme: str,
    accent: str,
    events_url: str,
    note: str = "",
    words: PageWords = ENGLISH,
) -> str:
    """The widget's HTML with the count already in it (it works without JavaScript);
    ``note`` (a paused or closed petition's) replaces the links to sign."""
    background, text, track = THEMES.get(theme, THEMES["light"])
    link_html = "".join(
        f'<a href="{escape(url)}" target="_blank" rel="noopener">'
        f"{escape(words.sign_on.replace('{platform}', PLATFORM_LABELS.get(name, name)))}</a>"
        for name, url in links.items()
    )
    if note:
        link_html = f'<p class="status">{escape(note)}</p>'

    return _PAGE.format(
        lang=escape(words.language),
        title=escape(snapshot.title),
        background=background,
        text=text,
        track=track,
        accent=accent if ACCENT.match(accent) else DEFAULT_ACCENT,
        percent=snapshot.percent,
        count=snapshot.count,
        goal=snapshot.goal,
        count_text=escape(words.number(snapshot.count)),
        noun=escape(words.noun_for(snapshot.count)),
        of_goal=escape(words.of_goal),
        goal_text=escape(words.number(snapshot.goal)),
        progress_label=escape(words.progress),
        links=link_html,
        events_url='"' + escape(events_url) + '"',
        words=words.script_json(),
    )


@routes.get("/widget/{slug}")
async def widget(request: web.Request) -> web.Response:
    petition = petition_or_404(request)
    context = context_of(request)
    snapshot = await context.feed.snapshot(petition, utc_now())
    links: dict[str, str] = {name: str(url) for name, url in context.settings.sign_links.items()}
    catalog = context.runtime.core.catalog
    accept = request.headers.get("Accept-Language")
    language = page_language(catalog, request.query.get("lang"), accept, petition.language)
    petition = petition.in_language(language)  # its title as that language writes it
    snapshot = snapshot.model_copy(update={"title": petition.title})
    key = STATUS_NOTES.get(snapshot.status)
    note = catalog.render(key, language, petition.messages).to_plain_text().strip() if key else ""
    page = render_widget(
        snapshot,
        links,
        request.query.get("theme", "light"),
        request.query.get("accent", DEFAULT_ACCENT),
        f"/api/petitions/{petition.slug}/events",
        note,
        PageWords.of(catalog, language, petition),
    )
    return web.Response(
        text=page,
        content_type="text/html",
        headers={
            "Cache-Control": f"public, max-age={context.settings.cache_seconds}",
            "Content-Language": language,
            "Vary": "Accept-Language",  # one page per language, for shared caches too
        },
    )


_EMBED_JS = """(function () {
  var script = document.currentScript;
  var slug = script.getAttribute("data-petition");
  var query = script.getAttribute("data-query") || "";
  var base = new URL(script.src).origin;
  var frame = document.createElement("iframe");
  frame.src = base + "/widget/" + encodeURIComponent(slug) + (query ? "?" + query : "");
  frame.title = "Petition counter";
  frame.style.cssText = "width:100%;max-width:480px;height:190px;border:0";
  frame.loading = "lazy";
  script.parentNode.insertBefore(frame, script);
})();
"""


@routes.get("/embed.js")
async def embed_js(request: web.Request) -> web.Response:
    """``<script src=".../embed.js" data-petition="SLUG"></script>`` inserts the iframe."""
    return web.Response(
        text=_EMBED_JS,
        content_type="application/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )
