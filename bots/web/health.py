"""`/healthz` (the process is up) and `/readyz` (store answers, adapters connected)."""

from __future__ import annotations

import logging

from aiohttp import web

from bots.web.context import context_of
from core.errors import StoreError

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """200 when ready; 503 with every reason otherwise."""
    context = context_of(request)
    reasons = []
    petitions = context.feed.campaign.petitions
    try:
        await context.feed.count(petitions[0])
    except StoreError:
        reasons.append("the store does not answer")
    except Exception:  # a database driver's own error (asyncpg's, sqlite3's): still not ready
        log.warning("readiness: the store read failed", exc_info=True)
        reasons.append("the store does not answer")
    for platform in context.runtime.connections.missing(context.expected_platforms):
        reasons.append(f"{platform} is not connected")
    if reasons:
        return web.json_response({"status": "not ready", "reasons": reasons}, status=503)
    return web.json_response({"status": "ready"})
