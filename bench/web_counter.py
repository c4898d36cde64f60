"""The campaign site under load: the count feed and the widget beside a bare aiohttp handler,
and 1,000 live viewers while signatures arrive.

Part 1 starts two servers as child processes on 127.0.0.1 (each on its own core's share):
the site on a fresh SQLite store, and a bare aiohttp handler returning a constant (the
ceiling for this machine and client). N concurrent clients hammer each path for a few
seconds; the table shows requests/s, p99 and the ratio to the bare handler (target: the
feed >= 0.7 x the bare handler).

Part 2 runs the site in this process on a store that counts its counter reads, opens 1,000
event streams, signs through the terminal adapter's code path every half second, and reports
store reads per second (must stay ~1 whatever the viewers) and the delay from a signing to
each viewer's event (p50/p99), which includes the one-second coalescing.

    .venv/bin/python bench/web_counter.py [--clients 50] [--seconds 4] [--viewers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bots.config import parse_config
from bots.console import ConsoleChat
from bots.runtime import build_runtime, open_runtime
from bots.web import serving
from bots.web.server import bound_port

ROOT = Path(__file__).resolve().parents[1]
SLUG = "dont-run-joe"


def config(db: Path, port: int = 0) -> Any:
    data = tomllib.loads((ROOT / "config.example.toml").read_text())
    data["storage"] = {"url": f"sqlite:///{db}"}
    data["web"] = {"enabled": True, "port": port or 1, "sign_links": {"telegram": "https://t.me/x"}}
    return parse_config(data)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def serve_site(db: Path, port: int) -> None:
    runtime = await open_runtime(config(db, port))
    async with serving(runtime, port=port):
        await asyncio.Event().wait()


async def serve_bare(port: int) -> None:
    async def constant(request: web.Request) -> web.Response:
        return web.json_response({"count": 0})

    app = web.Application()
    app.router.add_get("/", constant)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


async def hammer(url: str, clients: int, seconds: float) -> tuple[float, float]:
    """Requests per second and p99 (ms) of ``clients`` looping on ``url``."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with http.get(url) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return len(latencies) / elapsed, 1000 * latencies[int(0.99 * (len(latencies) - 1))]


async def wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(url):
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise SystemExit(f"{url} never answered")


async def part_one(clients: int, seconds: float, folder: Path) -> None:
    site_port, bare_port = free_port(), free_port()
    me = [sys.executable, __file__]
    children = [
        await asyncio.create_subprocess_exec(
            *me, "--serve-site", str(site_port), str(folder / "load.db")
        ),
        await asyncio.create_subprocess_exec(*me, "--serve-bare", str(bare_port)),
    ]
    try:
        site, bare = f"http://127.0.0.1:{site_port}", f"http://127.0.0.1:{bare_port}/"
        await wait_up(bare)
        await wait_up(site + "/healthz")
        rows = []
        for name, url in (
            ("bare aiohttp handler", bare),
            ("/api/petitions/{slug}", f"{site}/api/petitions/{SLUG}"),
            ("/widget/{slug}", f"{site}/widget/{SLUG}"),
            ("bare aiohttp handler (again)", bare),
        ):
            rows.append((name, *await hammer(url, clients, seconds)))
    finally:
        for child in children:
            child.terminate()
            await child.wait()
    ceiling = (rows[0][1] + rows[3][1]) / 2
    print(f"\n{clients} concurrent clients, {seconds:g} s each, loopback")
    print(f"{'path':32} {'req/s':>8} {'p99 ms':>8} {'x bare':>7}")
    for name, rate, p99 in rows:
        print(f"{name:32} {rate:8.0f} {p99:8.1f} {rate / ceiling:7.2f}")


class CountingStore:
    def __init__(self, store: Any) -> None:
        self._store = store
        self.count_reads = 0

    async def count(self, petition: str) -> int:
        self.count_reads += 1
        return int(await self._store.count(petition))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


async def part_two(viewers: int, signings: int, folder: Path) -> None:
    cfg = config(folder / "live.db")
    opened = await open_runtime(cfg)
    store = CountingStore(opened.store)
    runtime = build_runtime(cfg, store)
    delays: list[float] = []
    signed_at: dict[int, float] = {}
    try:
        async with (
            serving(runtime, port=0) as runner,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None)
            ) as http,
        ):
            url = f"http://127.0.0.1:{bound_port(runner)}/api/petitions/{SLUG}/events"
            streams = await asyncio.gather(*(http.get(url) for _ in range(viewers)))

            async def follow(stream: aiohttp.ClientResponse) -> None:
                async for raw in stream.content:
                    if raw.startswith(b"data: "):
                        count = json.loads(raw[6:])["count"]
                        if count in signed_at:
                            delays.append(time.perf_counter() - signed_at[count])
                        if count >= signings:
                            return

            followers = [asyncio.create_task(follow(s)) for s in streams]
            await asyncio.sleep(1.5)  # every viewer has its first event
            reads_before, began = store.count_reads, time.perf_counter()
            for n in range(1, signings + 1):
                chat = ConsoleChat(runtime.core, f"viewer-bench-{n}", _Null())
                for line in ("/sign", "1", f"Bench Person{n}", f"b{n}@example.org", "12345", "1"):
                    await chat.say(line)
                await chat.say("1")
                signed_at[n] = time.perf_counter()
                await asyncio.sleep(0.5)
            await asyncio.wait_for(asyncio.gather(*followers), 30)
            elapsed = time.perf_counter() - began
            reads = store.count_reads - reads_before
            for stream in streams:
                stream.close()
    finally:
        await runtime.close()
    delays.sort()
    print(f"\n{viewers} event-stream viewers, {signings} signings 0.5 s apart")
    print(f"{'store count reads/s':32} {reads / elapsed:8.2f}")
    print(f"{'events received':32} {len(delays):8d}")
    print(f"{'signing to event p50 ms':32} {1000 * statistics.median(delays):8.0f}")
    print(f"{'signing to event p99 ms':32} {1000 * delays[int(0.99 * (len(delays) - 1))]:8.0f}")


class _Null:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--signings", type=int, default=10)
    parser.add_argument("--serve-site", nargs=2, metavar=("PORT", "DB"))
    parser.add_argument("--serve-bare", metavar="PORT")
    args = parser.parse_args()
    if args.serve_site:
        asyncio.run(serve_site(Path(args.serve_site[1]), int(args.serve_site[0])))
    elif args.serve_bare:
        asyncio.run(serve_bare(int(args.serve_bare)))
    else:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(part_one(args.clients, args.seconds, Path(folder)))
            asyncio.run(part_two(args.viewers, args.signings, Path(folder)))


if __name__ == "__main__":
    main()
