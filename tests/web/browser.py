"""Debian's headless Chromium driven over the DevTools protocol (an aiohttp websocket).

Never a browser download: the test uses /usr/bin/chromium, and skips saying how to install
it when it is absent.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import re
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

CHROMIUM = Path("/usr/bin/chromium")
HOW_TO_ENABLE = (
    "needs Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium "
    "(.ci/run installs it)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(HOW_TO_ENABLE)


class Page:
    """One tab: send DevTools commands, evaluate JavaScript, take screenshots."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        await self._socket.send_json({"id": number, "method": method, "params": params})
        while True:
            message = json.loads(await self._socket.receive_str())
            if message.get("id") == number:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete'")

    async def evaluate(self, expression: str, context: int | None = None) -> Any:
        params: dict[str, Any] = {"expression": expression, "returnByValue": True}
        if context is not None:
            params["contextId"] = context
        result = await self.send("Runtime.evaluate", **params)
        return result["result"].get("value")

    async def wait_for(self, expression: str, context: int | None = None) -> None:
        """Until ``expression`` is true in the page (the test's timeout bounds the wait)."""
        while not await self.evaluate(expression, context):  # noqa: ASYNC110 - nothing to await in the page: poll it
            await asyncio.sleep(0.05)

    async def frame_context(self) -> int:
        """A JavaScript context in the page's first iframe (reads its DOM, cross-origin too)."""
        while True:
            tree = await self.send("Page.getFrameTree")
            children = tree["frameTree"].get("childFrames", [])
            if children:
                frame = children[0]["frame"]["id"]
                world = await self.send("Page.createIsolatedWorld", frameId=frame)
                return int(world["executionContextId"])
            await asyncio.sleep(0.05)

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png")
        await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def chromium(width: int = 800, height: int = 600) -> AsyncIterator[Page]:
    """A headless Chromium with one blank tab of ``width`` x ``height`` CSS pixels."""
    require_chromium()
    with tempfile.TemporaryDirectory() as folder, (Path(folder) / "log").open("w+") as log:
        profile = Path(folder) / "profile"
        process = await asyncio.create_subprocess_exec(
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            "about:blank",
            stdout=subprocess.DEVNULL,
            stderr=log,  # a file, not a pipe nobody reads
        )
        try:
            port = await _devtools_port(process, Path(folder) / "log")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json()
                url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
                async with http.ws_connect(url, max_msg_size=0) as socket:
                    page = Page(socket)
                    await page.send("Page.enable")
                    await page.send(
                        "Emulation.setDeviceMetricsOverride",
                        width=width,
                        height=height,
                        deviceScaleFactor=1,
                        mobile=False,
                    )
                    yield page
        finally:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _devtools_port(process: asyncio.subprocess.Process, log: Path) -> int:
    while process.returncode is None:
        text = await asyncio.to_thread(log.read_text)
        match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", text)
        if match:
            return int(match[1])
        await asyncio.sleep(0.05)
    text = await asyncio.to_thread(log.read_text)
    raise AssertionError(f"chromium exited before opening its DevTools port: {text}")
