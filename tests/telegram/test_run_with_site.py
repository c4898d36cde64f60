"""`petition-bot run` with Telegram and the site: ready once Telegram is connected, and the
metrics count a signing taken on Telegram."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
import tomli_w
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import TOKEN, Person, config_data

pytestmark = [pytest.mark.timeout(60)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(url: str) -> tuple[int, str]:
    """Status and body, or (0, "") while nothing listens yet."""
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientConnectionError:
        return 0, ""


async def test_run_is_ready_once_telegram_is_connected_and_counts_its_signings(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    port = _free_port()
    data = config_data(tmp_path, tg.base_url)
    data["web"] = {"enabled": True, "port": port}
    config_file = tmp_path / "config.toml"
    config_file.write_bytes(tomli_w.dumps(data).encode())
    site = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "--config", str(config_file),
            cwd=tmp_path, env=env, stdout=stderr, stderr=stderr,
        )  # fmt: skip
        try:
            # Ready means the store answers and Telegram is receiving updates.
            while (await _get(site + "/readyz"))[0] != 200:
                assert process.returncode is None, (tmp_path / "stderr.txt").read_text()
                await asyncio.sleep(0.1)
            assert tg.calls("getUpdates") or tg.calls("getMe")
            await Person(tg, 1001, "Alice").sign(name="Zelda Quux", email="zelda@example.org")
            status, text = await _get(site + "/metrics")
            assert status == 200
            samples = {
                (s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text)
                for s in family.samples
            }
            signatures = (
                "petition_bot_signatures",
                (("petition", "dont-run-joe"), ("platform", "telegram"), ("status", "confirmed")),
            )
            assert samples[signatures] == 1
            assert "1001" not in text and "Zelda" not in text
        finally:
            process.send_signal(signal.SIGTERM)
            returncode = await asyncio.wait_for(process.wait(), 15)
    assert returncode == 143, (tmp_path / "stderr.txt").read_text()
