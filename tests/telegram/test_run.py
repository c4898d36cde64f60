"""Start-up: command menus, webhook mode and its secret, `petition-bot run`, clean logs."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from bots.config import parse_config
from bots.logs import protect_logs
from bots.telegram.runner import TokenRejected, telegram_enabled
from core.bot import PetitionBot
from core.errors import MissingToken
from core.roles import Role
from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import MODERATOR_ID, ORGANIZER_ID, TOKEN, Person, config_data, serving

pytestmark = [pytest.mark.timeout(30)]

SECRET_PART = TOKEN.split(":")[1]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_command_menus_per_role_with_catalog_descriptions(
    tg: FakeTelegramServer, app, core: PetitionBot
) -> None:
    everyone = tg.commands["default"]
    assert [c["command"] for c in everyone] == core.commands_for(Role.SUPPORTER)
    described = {c["command"]: c["description"] for c in everyone}
    assert described["petition"] == "Read the petition" and described["start"]
    moderator = [c["command"] for c in tg.commands[f"chat:{MODERATOR_ID}"]]
    assert moderator == core.commands_for(Role.MODERATOR) and "stats" in moderator
    organizer = [c["command"] for c in tg.commands[f"chat:{ORGANIZER_ID}"]]
    assert organizer == core.commands_for(Role.ORGANIZER)
    count = next(c for c in tg.commands[f"chat:{MODERATOR_ID}"] if c["command"] == "count")
    assert count["description"] == "Moderators: signatures so far"


async def test_webhook_mode_refuses_to_start_without_its_secret(
    tg: FakeTelegramServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    config = parse_config(
        config_data(tmp_path, tg.base_url, mode="webhook", webhook_url="https://bot.example/tg")
    )
    with pytest.raises(MissingToken, match="TELEGRAM_WEBHOOK_SECRET is not set"):
        telegram_enabled(config)
    with pytest.raises(MissingToken, match="TELEGRAM_WEBHOOK_SECRET"):
        async with serving(config):
            pass
    assert tg.calls("setWebhook") == [] and tg.calls("getMe") == []


async def test_webhook_mode_refuses_requests_without_the_secret_header(
    tg: FakeTelegramServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port()
    monkeypatch.setenv("HOOK_SECRET", "s3cret-token_1")
    config = parse_config(
        config_data(
            tmp_path,
            tg.base_url,
            mode="webhook",
            listen="127.0.0.1",
            port=port,
            url_path="tg-hook",
            webhook_url=f"http://127.0.0.1:{port}/tg-hook",
            secret_token_env="HOOK_SECRET",
        )
    )
    assert telegram_enabled(config)
    alice = Person(tg, 1001, "Alice")
    async with serving(config):
        assert tg.webhook["secret_token"] == "s3cret-token_1"
        assert tg.webhook["url"] == f"http://127.0.0.1:{port}/tg-hook"
        update = {"update_id": 7001, "message": tg.send_text(alice.user, "/help")["message"]}
        assert await tg.post_webhook(None, update) == 403
        assert await tg.post_webhook(None, update, secret_token="wrong") == 403
        assert tg.messages(alice.chat_id) == []
        assert await tg.post_webhook(None, update, secret_token="s3cret-token_1") == 200
        assert "What I can do" in (await tg.wait_for_message(alice.chat_id)).plain
        assert not [c for c in tg.calls("setWebhook") if c.params.get("drop_pending_updates")]


async def test_no_token_or_personal_data_in_the_adapters_logs(
    tg: FakeTelegramServer, config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the library's debug lines hold the API URL
    # An earlier test's logging set-up may have floored the libraries' loggers at INFO.
    for name in ("httpx", "httpcore", "telegram"):
        caplog.set_level(logging.DEBUG, logger=name)
    alice = Person(tg, 1001, "Alice")
    async with serving(config):
        await alice.ask("/help")
    assert caplog.records and "bot<redacted>" in caplog.text
    assert SECRET_PART not in caplog.text

    caplog.clear()
    caplog.set_level(logging.INFO)  # what `run` logs (debug lines quote every API call)
    async with serving(config):
        await alice.sign(name="Zelda Quux", email="zelda@example.org", zip_code="90210")
        tg.block_user(alice.chat_id)
        await alice.say("/status", replies=0)
        await tg.wait_until(lambda: "not delivered" in caplog.text)
    assert "ready" in caplog.text
    for secret in (SECRET_PART, "Zelda", "Quux", "zelda@example.org", "90210"):
        assert secret not in caplog.text


async def test_petition_bot_run_signs_and_never_logs_the_token(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    data = config_data(tmp_path, tg.base_url)
    config_file = tmp_path / "config.toml"
    config_file.write_text(_toml(data))
    assert tomllib.loads(config_file.read_text())["telegram"]["enabled"] is True
    stderr_file = tmp_path / "stderr.txt"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    with stderr_file.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "--config", str(config_file),
            cwd=tmp_path, env=env, stdout=stderr, stderr=stderr,
        )  # fmt: skip
        try:
            alice = Person(tg, 1001, "Alice")
            await _until(lambda: tg.calls("getUpdates"))  # it is polling
            thanks = await alice.sign(name="Zelda Quux", email="zelda@example.org")
            assert "Thank you, Zelda!" in thanks.plain
        finally:
            process.send_signal(signal.SIGINT)
            returncode = await asyncio.wait_for(process.wait(), 15)
    log = stderr_file.read_text()
    assert returncode in (0, 130), log
    assert "Telegram bot @petition_test_bot ready" in log
    assert "signature stored" in log
    for secret in (SECRET_PART, "Zelda", "zelda@example.org"):
        assert secret not in log


async def _until(condition: Callable[[], object], timeout: float = 20.0) -> None:  # noqa: ASYNC109 - a plain deadline reads better in tests
    """A request in progress (a long poll) is not a state change the fake announces: look."""
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - no event to wait for, see above
            await asyncio.sleep(0.05)


def _toml(data: dict) -> str:
    """Just enough TOML for the test config (strings, numbers, booleans, lists, tables)."""

    def value(item: object) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int):
            return str(item)
        if isinstance(item, list | tuple):
            return "[" + ", ".join(value(i) for i in item) + "]"
        return '"' + str(item).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = []
    for petition in data["petitions"]:
        lines.append("[[petitions]]")
        lines += [f"{k} = {value(v)}" for k, v in petition.items() if not isinstance(v, dict)]
    for table in ("roles", "conversation", "storage", "telegram"):
        lines.append(f"[{table}]")
        lines += [f"{k} = {value(v)}" for k, v in data.get(table, {}).items()]
    return "\n".join(lines) + "\n"


async def test_a_rejected_token_is_reported_without_quoting_it(
    tg: FakeTelegramServer, config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:WRONG-TOKEN-VALUE")
    with pytest.raises(TokenRejected, match="TELEGRAM_BOT_TOKEN") as caught:
        async with serving(config):
            pass
    assert "WRONG" not in str(caught.value) and caught.value.__suppress_context__


async def test_petition_bot_run_names_the_missing_webhook_secret(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    data = config_data(tmp_path, tg.base_url, mode="webhook", webhook_url="https://bot.example/t")
    config_file = tmp_path / "config.toml"
    config_file.write_text(_toml(data))
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_WEBHOOK_SECRET"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bots.cli", "run", "--config", str(config_file),
        env={**env, "TELEGRAM_BOT_TOKEN": TOKEN}, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    assert b"TELEGRAM_WEBHOOK_SECRET is not set" in stderr and b"Traceback" not in stderr
    assert tg.requests == []  # refused before connecting


def test_library_errors_and_tracebacks_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    protect_logs("odd-shaped-secret")
    try:
        raise ValueError(f"https://api.telegram.org/bot{TOKEN}/getMe odd-shaped-secret")
    except ValueError:
        logging.getLogger("telegram.ext.Updater").exception("polling failed for %s", TOKEN)
    assert "polling failed for bot<redacted>" in caplog.text
    assert SECRET_PART not in caplog.text and "odd-shaped-secret" not in caplog.text
