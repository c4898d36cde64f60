"""Live counts over Server-Sent Events: every viewer sees a signing, and a crowd of viewers
costs one counter read per interval, not one per viewer."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp

from bots.runtime import build_runtime, open_runtime
from bots.web import serving
from bots.web.server import bound_port
from tests.web.site import EMAIL, NAME, SLUG, sign_in_terminal, site_config

VIEWERS = 200
INTERVAL = 0.2


class CountingStore:
    """The real store, counting the counter reads that reach it."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.count_reads = 0

    async def count(self, petition: str) -> int:
        self.count_reads += 1
        return int(await self._store.count(petition))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def next_event(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The data of the next ``event: count`` of a stream."""
    event = None
    async for raw in response.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "count":
            return dict(json.loads(line.removeprefix("data: ")))
    raise AssertionError("the stream ended")


async def test_many_viewers_see_a_signing_for_one_store_read_per_interval(tmp_path: Path) -> None:
    config = site_config(tmp_path, event_interval_seconds=INTERVAL)
    opened = await open_runtime(config)
    store = CountingStore(opened.store)
    runtime = build_runtime(config, store)
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with (
            serving(runtime, port=0) as runner,
            aiohttp.ClientSession(timeout=timeout, connector=connector) as http,
        ):
            url = f"http://127.0.0.1:{bound_port(runner)}/api/petitions/{SLUG}/events"
            started = time.monotonic()
            streams = await asyncio.gather(*(http.get(url) for _ in range(VIEWERS)))
            assert {s.headers["Content-Type"] for s in streams} == {"text/event-stream"}
            first = await asyncio.gather(*(next_event(s) for s in streams))
            assert {e["count"] for e in first} == {0}

            await sign_in_terminal(runtime, "alice", NAME, EMAIL)
            after = await asyncio.gather(*(next_event(s) for s in streams))
            elapsed = time.monotonic() - started
            assert {(e["count"], e["goal"]) for e in after} == {(1, 100000)}
            # One reader for the crowd: at most one read per interval that passed (one read
            # per viewer would be 200 at once).
            assert store.count_reads <= elapsed / INTERVAL + 2, (store.count_reads, elapsed)
            assert NAME not in json.dumps(after) and EMAIL not in json.dumps(after)
            for stream in streams:
                stream.close()
    finally:
        await runtime.close()


class StatsCountingStore(CountingStore):
    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.stats_reads = 0

    async def stats(self, *args: Any) -> Any:
        self.stats_reads += 1
        return await self._store.stats(*args)


async def test_a_crowd_on_the_feed_shares_one_store_read_per_refresh(tmp_path: Path) -> None:
    config = site_config(tmp_path, feed_refresh_seconds=60)
    opened = await open_runtime(config)
    store = StatsCountingStore(opened.store)
    runtime = build_runtime(config, store)
    try:
        async with serving(runtime, port=0) as runner, aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{bound_port(runner)}/api/petitions/{SLUG}"

            async def fetch() -> int:
                async with http.get(url) as response:
                    return int((await response.json())["count"])

            counts = await asyncio.gather(*(fetch() for _ in range(100)))
            assert counts == [0] * 100
            assert store.stats_reads == 1
    finally:
        await runtime.close()
