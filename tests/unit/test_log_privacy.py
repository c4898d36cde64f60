"""`configure_logging`: libraries never log below INFO, URL passwords are masked."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import SqliteStore

OWN = ("bots.telegram.handlers", "bots.discord_adapter.replies", "core.signing", "storage")
# Where the libraries dump updates, API parameters, gateway events, HTTP bodies and SQL.
LIBRARIES = (
    "telegram.ext.Application",
    "telegram.Bot",
    "telegram.ext.Updater",
    "discord.gateway",
    "discord.http",
    "discord.state",
    "aiosqlite",
    "aiohttp.client",
    "httpx",
)


def test_debug_is_for_the_bots_own_modules_only(
    capsys: pytest.CaptureFixture[str], production_logging: None
) -> None:
    for name in OWN:
        assert logging.getLogger(name).isEnabledFor(logging.DEBUG)
    for name in LIBRARIES:
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
    assert logging.getLogger("discord.client").isEnabledFor(logging.INFO)
    # Even a library logger someone set to DEBUG on purpose writes no DEBUG line.
    logging.getLogger("discord.gateway").setLevel(logging.DEBUG)
    logging.getLogger("discord.gateway").debug("WebSocket Event: zelda@example.org")
    logging.getLogger("core.signing").debug("own debug line")
    err = capsys.readouterr().err
    assert "own debug line" in err and "zelda@example.org" not in err


async def test_sql_statements_and_their_parameters_are_not_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, production_logging: None
) -> None:
    caplog.set_level(logging.DEBUG)
    store = await SqliteStore.open(tmp_path / "petition.db")
    try:
        draft = await store.create_broadcast(
            None, "Hello", "telegram:1", ("telegram", "1"), datetime.now(UTC)
        )
        assert await store.get_broadcast(draft.id) == draft
        assert await store.recent_broadcasts(5) == [draft]
    finally:
        await store.close()
    assert "database schema at version" in caplog.text  # DEBUG lines were captured
    assert not [r for r in caplog.records if r.name == "aiosqlite"]
    assert "FROM broadcasts" not in caplog.text


def test_url_passwords_are_masked_in_every_log_line(
    capsys: pytest.CaptureFixture[str], production_logging: None
) -> None:
    logging.getLogger("aiohttp.client").warning(
        "cannot reach %s", "postgresql://joe:hunter2@db.example/petitions"
    )
    logging.getLogger("storage").error("open failed: mysql://root:hunter2@db/p?password=hunter2")
    err = capsys.readouterr().err
    assert "postgresql://joe:***@db.example/petitions" in err
    assert "mysql://root:***@db/p?password=***" in err
    assert "hunter2" not in err


def test_a_traceback_keeps_its_frames_but_not_a_message_that_quotes_personal_data(
    capsys: pytest.CaptureFixture[str], production_logging: None
) -> None:
    from pydantic import BaseModel, ValidationError

    class Form(BaseModel):
        age: int

    typed = "".join(["jane", ".roe", "@example.org"])  # what a person sent, not in any source
    try:
        try:
            Form.model_validate({"age": typed})
        except ValidationError as exc:
            raise RuntimeError(f"while signing {typed}") from exc
    except RuntimeError:
        logging.getLogger("core.bot").exception("could not handle text from telegram:7")
    err = capsys.readouterr().err
    assert "could not handle text from telegram:7" in err
    assert "pydantic_core._pydantic_core.ValidationError" in err and "builtins.RuntimeError" in err
    assert "test_log_privacy.py" in err  # the frames are there
    assert typed not in err
