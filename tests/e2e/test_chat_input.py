"""Whatever a person types into `petition-bot chat` is answered as text, never a crash."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_chat_cli import COMMAND, EXAMPLE, rows


def chat_bytes(tmp_path: Path, data: bytes, user: str = "alice") -> str:
    """Pipe raw bytes into a chat; it must end normally, without a traceback."""
    result = subprocess.run(
        [COMMAND, "chat", "--config", str(EXAMPLE), "--user", user],
        input=data,
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
    )
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 0, stderr
    assert "Traceback" not in stderr
    return result.stdout.decode()


@pytest.mark.parametrize(
    "line",
    ["/", "²", "①", "9" * 5000, "١"],
    ids=["slash", "superscript-two", "circled-one", "5000-digits", "arabic-indic-one"],
)
def test_odd_lines_at_the_pitch_are_answered_as_text(tmp_path: Path, line: str) -> None:
    transcript = chat_bytes(tmp_path, f"{line}\n/help\n".encode())
    assert "went wrong on our side" not in transcript
    assert "I did not understand that" in transcript
    assert "What I can do" in transcript  # the chat went on after the odd line


@pytest.mark.parametrize("line", ["²", "①", "9" * 5000])
def test_odd_digits_in_the_conversation_are_answered_as_a_name(tmp_path: Path, line: str):
    transcript = chat_bytes(tmp_path, f"/sign\n1\n{line}\n/mydata\n".encode())
    assert "went wrong on our side" not in transcript
    assert "A name" in transcript or "That name" in transcript
    assert rows(tmp_path, "SELECT count(*) FROM signatures") == [(0,)]


def test_invalid_utf8_is_answered_and_the_signing_goes_on(tmp_path: Path) -> None:
    lines = [b"\xff\xfe", b"/sign", b"1", b"Jane Doe", b"jane\xc3\x28@example.org"]
    lines += [b"jane@example.org", b"12345", b"1", b"1", b"/mydata \xc3"]
    transcript = chat_bytes(tmp_path, b"\n".join(lines) + b"\n\xe2\x82")  # cut off at the end
    assert "went wrong on our side" not in transcript
    assert "I did not understand that" in transcript
    assert "doesn't look like an email address" in transcript
    assert "Thank you, Jane!" in transcript
    assert "Everything I store about you" in transcript
    signed = rows(tmp_path, "SELECT name, email FROM signatures")
    assert signed == [("Jane Doe", "jane@example.org")]
