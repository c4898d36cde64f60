"""Erased on disk, end to end: a Telegram signer's email went through python-telegram-bot,
the inbox (every update is recorded before it is confirmed), the conversation and the
signature; after /withdraw neither the SQLite file nor its WAL holds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.bot import PetitionBot

from .conftest import Person

pytestmark = [pytest.mark.timeout(20)]

EMAIL = "tg.withdrawn-6642@example.org"
NAME = "Perpetua Wexley"


def on_disk(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_after_withdraw_the_email_is_in_neither_the_database_nor_the_wal(
    tmp_path: Path, app, core: PetitionBot, alice: Person
) -> None:
    database = tmp_path / "petition.db"
    await alice.sign(name=NAME, email=EMAIL)
    assert EMAIL.encode() in on_disk(database)  # so the check below can fail
    question = await alice.ask("/withdraw")
    done = await alice.press(question, "Yes, withdraw")
    assert "personal data is erased" in done.plain
    await core.store.delete_conversation("none", "none")  # queued after the checkpoint
    raw = on_disk(database)
    assert EMAIL.encode() not in raw
    assert NAME.encode() not in raw
