"""`petition-bot pause` and `resume`: the same use case as /pause and /resume, audited, seen
by a chat running as another process on the same database."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.test_chat_cli import COMMAND, EXAMPLE, SIGNING, chat, rows


def petition_bot(tmp_path: Path, *args: str) -> str:
    result = subprocess.run(
        [COMMAND, *args, "--config", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_petition_paused_from_the_command_line_refuses_a_chat_until_resumed(
    tmp_path: Path,
) -> None:
    assert "is paused" in petition_bot(tmp_path, "pause")
    assert "already paused" in petition_bot(tmp_path, "pause")
    refused = chat(tmp_path, SIGNING)
    assert "Signing Don't Run Joe is paused for now" in refused
    assert "It has 0 signatures so far." in refused
    assert rows(tmp_path, "SELECT count(*) FROM signatures") == [(0,)]
    assert rows(tmp_path, "SELECT count(*) FROM conversations") == [(0,)]
    assert "paused" in chat(tmp_path, ["/petitions"])
    assert "no longer paused (open)" in petition_bot(tmp_path, "resume")
    assert "Thank you, Jane!" in chat(tmp_path, SIGNING)
    assert [a for (a,) in rows(tmp_path, "SELECT action FROM audit_log ORDER BY id")] == [
        "petition_paused",
        "petition_resumed",
    ]


def test_a_closed_petition_is_not_paused_from_the_command_line_as_in_a_chat(
    tmp_path: Path,
) -> None:
    config = tmp_path / "closed.toml"
    text = EXAMPLE.read_text().replace(
        'slug = "dont-run-joe"\n', 'slug = "dont-run-joe"\ncloses_at = 2020-01-01T00:00:00Z\n', 1
    )
    config.write_text(text)

    def run(command: str) -> str:
        result = subprocess.run(
            [COMMAND, command, "--config", str(config)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "is closed already: there is nothing to pause" in run("pause")
    assert "was not paused; nothing changed" in run("resume")
    assert rows(tmp_path, "SELECT count(*) FROM audit_log") == [(0,)]
