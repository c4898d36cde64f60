"""`create_app`: the site's aiohttp application on a runtime."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from bots.runtime import Runtime
from bots.web.context import CONTEXT, WebContext
from bots.web.feed import routes as feed_routes
from bots.web.health import routes as health_routes
from bots.web.metrics import instrument
from bots.web.metrics import routes as metrics_routes
from bots.web.poster import routes as poster_routes
from bots.web.widget import routes as widget_routes
from core.count_watch import CountWatch
from core.public_feed import PublicFeed

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(runtime: Runtime, expected_platforms: tuple[str, ...] = ()) -> web.Application:
    """Every route of the site; ``expected_platforms`` are those `/readyz` waits for."""
    settings = runtime.config.web
    context = WebContext(
        runtime=runtime,
        feed=PublicFeed(
            runtime.config.campaign,
            runtime.store,
            timedelta(seconds=settings.feed_refresh_seconds),
        ),
        watch=CountWatch(settings.event_interval_seconds),
        expected_platforms=expected_platforms,
        metrics_token=os.environ.get(settings.metrics_token_env, "").strip() or None,
    )
    instrument(runtime.core)
    app = web.Application(middlewares=[_cors])
    app[CONTEXT] = context
    for table in (feed_routes, widget_routes, poster_routes, health_routes, metrics_routes):
        app.add_routes(table)

    async def stop_watching(app: web.Application) -> None:
        context.stopping = True
        for stream in list(context.streams):
            stream.cancel()
        await context.watch.close()

    app.on_shutdown.append(stop_watching)
    return app


@web.middleware
async def _cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages of the allowed origins may read every GET answer from JavaScript."""
    allowed = request.app[CONTEXT].settings.allowed_origins
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if exc.status >= 400 and exc.content_type != "application/json":
                response = web.json_response({"error": exc.reason}, status=exc.status)
            else:
                raise
    if origin and ("*" in allowed or origin in allowed):
        response.headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    return response
