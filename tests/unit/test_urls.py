"""URLs in messages and logs show no password."""

from __future__ import annotations

import pytest

from core.urls import mask_url
from storage import UnsupportedStorage, open_store


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://joe:hunter2@db.example:5432/p", "postgresql://joe:***@db.example:5432/p"),
        ("postgresql://joe:hun@ter2@db/p?sslmode=require", "postgresql://joe:***@db/p?sslmode=require"),
        ("postgresql://db/p?user=joe&password=hunter2&x=1", "postgresql://db/p?user=joe&password=***&x=1"),
        ("see mysql://root:hunter2@h/db. and https://a.example/", "see mysql://root:***@h/db. and https://a.example/"),
        ("postgresql://db.example:5432/p", "postgresql://db.example:5432/p"),
        ("https://user@host/x", "https://user@host/x"),
        ("sqlite:///petition.db", "sqlite:///petition.db"),
    ],
)  # fmt: skip
def test_every_password_in_a_url_is_masked(url: str, shown: str) -> None:
    assert mask_url(url) == shown


async def test_an_unsupported_storage_url_is_refused_with_its_password_masked() -> None:
    with pytest.raises(UnsupportedStorage) as refused:
        await open_store("mysql://joe:hunter2@db.example/petitions")
    assert "'mysql://joe:***@db.example/petitions'" in str(refused.value)
    assert "is not supported" in str(refused.value)
    assert "hunter2" not in str(refused.value)


async def test_a_postgresql_url_without_a_database_is_refused_with_its_password_masked() -> None:
    with pytest.raises(UnsupportedStorage) as refused:
        await open_store("postgresql://joe:hunter2@db.example")
    assert "'postgresql://joe:***@db.example' names no database" in str(refused.value)
    assert "hunter2" not in str(refused.value)
