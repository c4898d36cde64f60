"""`petition-bot migrate [--dry-run]` as an operator runs it before an upgrade."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.test_chat_cli import COMMAND, EXAMPLE
from tests.postgres_database import create_database, drop_database, server_url


def _config(tmp_path: Path, url: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(text.replace('url = "sqlite:///petition.db"', f'url = "{url}"'), "utf-8")
    return config


def _migrate(tmp_path: Path, config: Path, *args: str) -> str:
    result = subprocess.run(
        [COMMAND, "migrate", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_migrate_lists_then_applies_then_finds_nothing_on_postgresql(
    tmp_path: Path,
) -> None:
    server = server_url()
    fresh = await create_database(server)
    try:
        config = _config(tmp_path, fresh)
        dry = _migrate(tmp_path, config, "--dry-run")
        assert (
            "5 migration(s) to apply: 0001_initial, 0002_platform_cursors,"
            " 0003_email_confirmation, 0004_signed_at_index, 0007_languages (nothing" in dry
        )
        assert "0001_initial" in _migrate(tmp_path, config, "--dry-run")  # still to do
        applied = _migrate(tmp_path, config)
        assert (
            "Applied 5 migration(s): 0001_initial, 0002_platform_cursors,"
            " 0003_email_confirmation, 0004_signed_at_index, 0007_languages." in applied
        )
        assert "up to date" in _migrate(tmp_path, config, "--dry-run")
        assert "up to date" in _migrate(tmp_path, config)
    finally:
        await drop_database(server, fresh)


def test_migrate_works_on_sqlite_too(tmp_path: Path) -> None:
    config = _config(tmp_path, "sqlite:///petition.db")
    assert "9 migration(s) to apply: 0001_initial" in _migrate(tmp_path, config, "--dry-run")
    assert not (tmp_path / "petition.db").exists()  # a dry run creates nothing
    assert "Applied 9 migration(s)" in _migrate(tmp_path, config)
    assert "up to date" in _migrate(tmp_path, config, "--dry-run")
