"""Serving the site: inside `petition-bot run` beside the bots, or alone (`petition-bot web`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bots.runtime import Runtime
from bots.web.app import create_app

log = logging.getLogger(__name__)
# Open event streams never end on their own: give them this long once a stop begins.
SHUTDOWN_SECONDS = 2.0


@asynccontextmanager
async def serving(
    runtime: Runtime, expected_platforms: tuple[str, ...] = (), port: int | None = None
) -> AsyncIterator[web.AppRunner]:
    """The site listening on ``[web] listen``/``port`` (``port=0``: any free one) until exit."""
    settings = runtime.config.web
    runner = web.AppRunner(
        create_app(runtime, expected_platforms),
        access_log=None,  # an access log would hold visitors' addresses
        shutdown_timeout=SHUTDOWN_SECONDS,
    )
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.listen, settings.port if port is None else port)
        await site.start()
        log.info("web: serving on http://%s:%d", settings.listen, bound_port(runner))
        yield runner
    finally:
        await runner.cleanup()


def bound_port(runner: web.AppRunner) -> int:
    """The port the site actually listens on."""
    for address in runner.addresses:
        return int(address[1])
    return 0


async def run_web(runtime: Runtime, expected_platforms: tuple[str, ...] = ()) -> None:
    """Serve the site until cancelled (Ctrl-C, SIGTERM, or `run` stopping)."""
    async with serving(runtime, expected_platforms):
        await asyncio.Event().wait()
