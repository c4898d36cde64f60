"""`/api/petitions...`: the public count feed as JSON, and its live updates as SSE."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

from aiohttp import web

from bots.web.context import context_of
from core.bot import utc_now
from core.config import PetitionConfig
from core.public_feed import count_update

routes = web.RouteTableDef()
# A comment line now and then keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 15.0


def json_error(status: int, message: str) -> web.Response:
    """An error as JSON, e.g. 404 ``{"error": "no petition called 'x'"}``."""
    return web.json_response({"error": message}, status=status)


def petition_or_404(request: web.Request) -> PetitionConfig:
    slug = request.match_info["slug"]
    petition = context_of(request).feed.petition(slug)
    if petition is None:
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"no petition called {slug!r}"}),
            content_type="application/json",
        )
    return petition


def encoded(body: Any) -> tuple[bytes, str]:
    """The JSON bytes of ``body`` and their ETag."""
    data = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    # updated_at changes each read: the tag is of the figures, so a CDN keeps equal answers.
    figures = json.dumps(_without_time(body), sort_keys=True).encode()
    return data, '"' + hashlib.blake2b(figures, digest_size=12).hexdigest() + '"'


def cacheable_json(request: web.Request, data: bytes, etag: str) -> web.Response:
    """JSON with a strong ETag (304 when the client has it) and a short public cache life."""
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={context_of(request).settings.cache_seconds}",
    }
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=data, content_type="application/json", headers=headers)


def _without_time(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: _without_time(v) for k, v in body.items() if k != "updated_at"}
    if isinstance(body, list):
        return [_without_time(v) for v in body]
    return body


@routes.get("/api/petitions")
async def list_petitions(request: web.Request) -> web.Response:
    feed, now = context_of(request).feed, utc_now()
    items = [await feed.snapshot(p, now) for p in feed.campaign.petitions]
    body = {"petitions": [i.model_dump(mode="json") for i in items]}
    return cacheable_json(request, *encoded(body))


@routes.get("/api/petitions/{slug}")
async def one_petition(request: web.Request) -> web.Response:
    petition = petition_or_404(request)
    context = context_of(request)
    snapshot = await context.feed.snapshot(petition, utc_now())
    kept = context.encoded.get(petition.slug)
    if kept is None or kept[0] is not snapshot:  # a kept snapshot is encoded once
        kept = (snapshot, *encoded(snapshot.model_dump(mode="json")))
        context.encoded[petition.slug] = kept
    return cacheable_json(request, kept[1], kept[2])


@routes.get("/api/petitions/{slug}/events")
async def petition_events(request: web.Request) -> web.StreamResponse:
    """``event: count`` with the new count whenever it changes, at most once an interval."""
    petition = petition_or_404(request)
    context = context_of(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx would otherwise hold the events back
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 3000\n\n")

    async def read() -> int:
        return await context.feed.count(petition)

    task = asyncio.current_task()
    assert task is not None
    context.streams.add(task)
    try:
        async with context.watch.subscribe(petition.slug, read) as mailbox:
            while True:
                try:
                    count = await asyncio.wait_for(mailbox.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                update = count_update(petition, count).model_dump_json()
                await response.write(f"event: count\ndata: {update}\n\n".encode())
    except asyncio.CancelledError:
        if not context.stopping:
            raise
        return response  # the server is stopping: the browser reconnects to the next one
    finally:
        context.streams.discard(task)
