"""The store fixture: each contract test runs once per store implementation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.store import Store
from storage import SqliteStore
from tests.fakes.memory_store import MemoryStore


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store = (
        await SqliteStore.open(tmp_path / "contract.db")
        if request.param == "sqlite"
        else MemoryStore()
    )
    yield opened
    await opened.close()
