"""The campaign site on a real SQLite store and a real port of 127.0.0.1, and a terminal
signer on the same store."""

from __future__ import annotations

import io
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots.config import parse_config
from bots.console import ConsoleChat
from bots.runtime import Runtime, open_runtime
from bots.web import serving
from bots.web.server import bound_port

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"
SLUG = "dont-run-joe"
# Distinctive enough that finding it anywhere in a response means it leaked.
NAME = "Zebulon Quaxworth"
EMAIL = "zebulon.quaxworth@example.org"


def site_config(tmp_path: Path, **web: Any) -> Any:
    data = tomllib.loads(EXAMPLE.read_text())
    data["storage"] = {"url": f"sqlite:///{tmp_path / 'petition.db'}"}
    data["web"] = {
        "enabled": True,
        "sign_links": {"telegram": "https://t.me/dontrunjoe_bot"},
        "feed_refresh_seconds": 0,  # each request reads the store: a signing shows at once
        **web,
    }
    return parse_config(data)


@dataclass
class Site:
    runtime: Runtime
    url: str
    store_closed: bool = False

    async def close_store(self) -> None:
        """The store stops answering (a closed store refuses every read)."""
        await self.runtime.close()
        self.store_closed = True


@asynccontextmanager
async def running_site(
    tmp_path: Path, expected: tuple[str, ...] = (), **web: Any
) -> AsyncIterator[Site]:
    runtime = await open_runtime(site_config(tmp_path, **web))
    site = None
    try:
        async with serving(runtime, expected, port=0) as runner:
            site = Site(runtime, f"http://127.0.0.1:{bound_port(runner)}")
            yield site
    finally:
        if site is None or not site.store_closed:  # closing twice is refused
            await runtime.close()


async def sign_in_terminal(runtime: Runtime, user: str, name: str, email: str) -> None:
    """The whole signing as someone typing in `petition-bot chat` (the terminal adapter)."""
    chat = ConsoleChat(runtime.core, user, io.StringIO())
    for line in ("/sign", "1", name, email, "12345", "1"):
        await chat.say(line)
    replies = await chat.say("1")  # the confirmation's first button signs
    assert any("signed" in str(r.text).lower() for r in replies), replies
