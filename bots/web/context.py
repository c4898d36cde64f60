"""`WebContext`: what every handler of the site reads, stored once on the aiohttp app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from bots.config import WebSettings
from bots.runtime import Runtime
from core.count_watch import CountWatch
from core.public_feed import PublicCount, PublicFeed


@dataclass
class WebContext:
    """The runtime, the public feed on its store, the shared live-count readers, and which
    platforms `/readyz` waits for."""

    runtime: Runtime
    feed: PublicFeed
    watch: CountWatch
    expected_platforms: tuple[str, ...] = ()
    metrics_token: str | None = field(default=None, repr=False)
    # Open event streams, ended when the server stops (they never end on their own).
    streams: set[asyncio.Task[object]] = field(default_factory=set)
    stopping: bool = False
    # Each petition's last snapshot as JSON bytes and ETag, reused while the feed keeps it.
    encoded: dict[str, tuple[PublicCount, bytes, str]] = field(default_factory=dict)

    @property
    def settings(self) -> WebSettings:
        return self.runtime.config.web


CONTEXT = web.AppKey("context", WebContext)


def context_of(request: web.Request) -> WebContext:
    """The site's context, from a request."""
    return request.app[CONTEXT]
