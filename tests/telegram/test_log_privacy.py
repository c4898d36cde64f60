"""At DEBUG, no log line holds a signer's name, email or ZIP code: neither the library's
update and API-call dumps nor the bot's own lines, in process and in `petition-bot run`."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import TOKEN, Person, config_data, serving
from .test_run import _toml, _until

pytestmark = [pytest.mark.timeout(60)]

FIRST_NAME = "Xanthippe"  # the Telegram account's own name is in every update too
SIGNER = {"name": "Zelda Quux", "email": "zelda@example.org", "zip_code": "02139"}
PERSONAL = (FIRST_NAME, "Zelda", "Quux", "zelda@example.org", "02139")


async def test_a_signing_at_debug_level_logs_no_personal_data(
    tg: FakeTelegramServer,
    config,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    production_logging: None,  # after capsys: its handler writes to the captured stderr
) -> None:
    caplog.set_level(logging.DEBUG)
    person = Person(tg, 1001, FIRST_NAME)
    async with serving(config):
        thanks = await person.sign(**SIGNER)
        assert "Thank you, Zelda!" in thanks.plain
        mydata = await person.ask("/mydata")
        assert "zelda@example.org" in mydata.plain  # the person sees their data; the log doesn't
    stderr = capsys.readouterr().err
    for log in (caplog.text, stderr):
        assert "signature stored" in log  # the log was captured
        for secret in PERSONAL:
            assert secret not in log
    assert logging.getLogger("bots.telegram.handlers").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("telegram.ext.Application").isEnabledFor(logging.DEBUG)


async def test_petition_bot_run_at_debug_level_logs_no_personal_data(
    tg: FakeTelegramServer, tmp_path: Path
) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(_toml(config_data(tmp_path, tg.base_url)))
    stderr_file = tmp_path / "stderr.txt"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}
    env.pop("PETITION_BOT_LOG_LEVEL", None)
    with stderr_file.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bots.cli", "run", "--config", str(config_file),
            "--log-level", "DEBUG", cwd=tmp_path, env=env, stdout=stderr, stderr=stderr,
        )  # fmt: skip
        try:
            person = Person(tg, 1001, FIRST_NAME)
            await _until(lambda: tg.calls("getUpdates"))  # it is polling
            thanks = await person.sign(**SIGNER)
            assert "Thank you, Zelda!" in thanks.plain
        finally:
            process.send_signal(signal.SIGINT)
            returncode = await asyncio.wait_for(process.wait(), 15)
    log = stderr_file.read_text()
    assert returncode in (0, 130), log
    assert "DEBUG storage.migrations: database schema at version" in log  # DEBUG is on
    assert "signature stored" in log
    for secret in PERSONAL:
        assert secret not in log
