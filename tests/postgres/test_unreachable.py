"""A database that can't be reached at start-up: an error saying where and what to check."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bots.cli import main
from bots.config import BUNDLED_EXAMPLE
from core.errors import StoreError, StoreUnreachable
from storage import PostgresStore
from tests.postgres_database import server_url, with_database

PASSWORD = "hunter2-not-logged"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens there once it is closed


async def test_a_server_that_is_not_there_names_host_and_port_not_the_password() -> None:
    port = closed_port()
    url = f"postgresql://petition:{PASSWORD}@127.0.0.1:{port}/petition"
    with pytest.raises(StoreUnreachable) as raised:
        await PostgresStore.open(url)
    assert isinstance(raised.value, StoreError)
    message = str(raised.value)
    assert f"127.0.0.1:{port}" in message and "database petition" in message
    assert "Is the server running" in message and PASSWORD not in message


async def test_a_database_that_does_not_exist_says_so() -> None:
    url = with_database(server_url(), "petition_bot_no_such_database")
    with pytest.raises(StoreUnreachable, match="does not exist"):
        await PostgresStore.open(url)


def test_run_says_what_to_fix_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = closed_port()
    config = tmp_path / "config.toml"
    text = BUNDLED_EXAMPLE.read_text(encoding="utf-8")
    url = f"postgresql://petition:{PASSWORD}@127.0.0.1:{port}/petition"
    config.write_text(text.replace("sqlite:///petition.db", url), encoding="utf-8")
    assert main(["stats", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"The database can't be opened: cannot reach PostgreSQL at 127.0.0.1:{port}" in err
    assert PASSWORD not in err and "Traceback" not in err
