"""The `petition-bot` command as a person runs it: piped or typed chats, checked in the database."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"
COMMAND = str(Path(sys.executable).parent / "petition-bot")
SIGNING = ["/sign", "1", "Jane Doe", "jane@example.org", "12345", "1", "1"]


def chat(tmp_path: Path, lines: list[str], user: str = "alice") -> str:
    """Run a piped chat in ``tmp_path`` (where the SQLite file lands) and return its transcript."""
    result = subprocess.run(
        [COMMAND, "chat", "--config", str(EXAMPLE), "--user", user],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "petition.db") as db:
        return db.execute(sql).fetchall()


def test_a_full_signing_in_the_terminal(tmp_path: Path) -> None:
    transcript = chat(tmp_path, SIGNING)
    assert "Don't Run Joe" in transcript
    assert "[1] Yes, I want to sign  [2] Cancel" in transcript
    assert "Thank you, Jane! You signed Don't Run Joe." in transcript
    assert "Each email address counts once." in transcript
    assert rows(
        tmp_path, "SELECT platform, user_id, name, email, postal_code, opted_in FROM signatures"
    ) == [("console", "alice", "Jane Doe", "jane@example.org", "12345", 1)]
    assert rows(tmp_path, "SELECT kind, granted, text_version FROM consents ORDER BY kind") == [
        ("processing", 1, "2026-11-v1"),
        ("updates", 1, None),
    ]
    assert rows(tmp_path, "SELECT count(*) FROM conversations") == [(0,)]


def test_buttons_can_be_pressed_by_label(tmp_path: Path) -> None:
    lines = [
        "/sign",
        "yes, i want to sign",
        "Jane Doe",
        "jane@example.org",
        "12345",
        "No, thanks",
        "✅ Sign",
    ]
    assert "Thank you, Jane!" in chat(tmp_path, lines)
    assert rows(tmp_path, "SELECT opted_in FROM signatures") == [(0,)]


def test_signing_twice_stores_one_signature(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING)
    transcript = chat(tmp_path, ["/sign"])
    assert "You have already signed Don't Run Joe" in transcript
    assert rows(tmp_path, "SELECT count(*) FROM signatures") == [(1,)]


def test_the_same_email_from_a_second_user_counts_once(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING, user="alice")
    lines = ["/sign", "1", "Bob Roe", "JANE@EXAMPLE.ORG", "12345", "1", "1"]
    transcript = chat(tmp_path, lines, user="bob")
    assert "Thank you, Bob! You signed Don't Run Joe. Each email address counts once." in transcript
    assert "already" not in transcript
    assert rows(tmp_path, "SELECT user_id FROM signatures") == [("alice",)]


def test_withdraw_then_count(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING)
    assert "1 signature," in chat(tmp_path, ["/count"], user="moderator")
    transcript = chat(tmp_path, ["/withdraw", "1"])
    assert "withdrawn and your personal data is erased" in transcript
    assert "0 signatures" in chat(tmp_path, ["/count"], user="moderator")
    assert rows(tmp_path, "SELECT name, email, postal_code FROM signatures") == [(None, None, None)]


def test_a_moderator_sees_stats_and_is_told_where_the_chart_is(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING)
    transcript = chat(tmp_path, ["/stats"], user="moderator")
    assert "Total: 1" in transcript and "console 1" in transcript
    assert "[file dont-run-joe-signatures.png" in transcript
    assert "petition-bot stats --chart" in transcript


def test_a_supporter_is_refused_stats(tmp_path: Path) -> None:
    transcript = chat(tmp_path, ["/stats", "/recent"])
    assert transcript.count("only for the campaign team") == 2
    assert rows(tmp_path, "SELECT actor, action FROM audit_log ORDER BY id") == [
        ("console:alice", "refused:stats"),
        ("console:alice", "refused:recent"),
    ]


@pytest.mark.parametrize(
    ("bad", "answer"),
    [
        ("N" * 4000, "That name is too long"),
        ("\x07\x1b\u202e\x7f 42", "A name needs at least one letter"),
        ("=HYPERLINK(evil)", "A name can't start with"),
        ("Jane http://spam.example", "without web addresses"),
    ],
)
def test_bad_names_are_answered_and_change_nothing(tmp_path: Path, bad: str, answer: str):
    transcript = chat(tmp_path, ["/sign", "1", bad, "/mydata"])
    assert answer in transcript
    assert "A signature of dont-run-joe you have started" in transcript
    assert "nothing answered yet" in transcript
    assert rows(tmp_path, "SELECT count(*) FROM signatures") == [(0,)]


def test_bad_email_zip_and_commands_are_answered(tmp_path: Path) -> None:
    lines = [
        "/sign",
        "1",
        "Jane Doe",
        "jane@@example",
        "jane@example.org",
        "99",
        "12345",
        "/petition nope",
        "/frobnicate",
        "hello?",
        "1",
        "1",
    ]
    transcript = chat(tmp_path, lines)
    assert "doesn't look like an email address" in transcript
    assert "A ZIP code has 5 digits" in transcript
    assert "I don't know a petition called “nope”" in transcript
    assert "I don't know the command /frobnicate" in transcript
    assert "Please choose one of the buttons." in transcript
    assert rows(tmp_path, "SELECT email, postal_code FROM signatures") == [
        ("jane@example.org", "12345")
    ]


def test_stats_command_prints_the_same_figures(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING)
    result = subprocess.run(
        [COMMAND, "stats", "--config", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0
    assert "Total: 1" in result.stdout and "console 1" in result.stdout


def test_a_bad_config_is_refused_with_key_paths(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text().replace("goal = 100000", "goal = -5"), encoding="utf-8")
    for command in ("check-config", "chat", "run"):
        result = subprocess.run(
            [COMMAND, command, "--config", str(bad)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 2
        assert "petitions[0].goal: must be > 0" in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "idle_timeout_hours = 24",
            "idle_timeout_hours = inf",
            "conversation.idle_timeout_hours: must be > 0 and at most 720 hours (30 days), not inf",
        ),
        (
            "idle_timeout_hours = 24",
            "idle_timeout_hours = 1e12",
            "conversation.idle_timeout_hours: must be > 0 and at most 720 hours",
        ),
        (
            'url = "sqlite:///petition.db"',
            'url = "postgresql://joe:hunter2@db.example/"',
            "storage.url: 'postgresql://joe:***@db.example/' names no database",
        ),
    ],
)
def test_a_config_that_would_fail_later_is_refused_by_every_command(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    bad = tmp_path / "bad.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    bad.write_text(text.replace(old, new), encoding="utf-8")
    for command in ("check-config", "chat", "stats"):
        result = subprocess.run(
            [COMMAND, command, "--config", str(bad)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 2, result.stderr
        assert problem in result.stderr
        assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def test_run_without_an_enabled_platform_names_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BOT_TOKEN")}
    result = subprocess.run(
        [COMMAND, "run", "--config", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "petition-bot chat" in result.stderr


class Interactive:
    """A chat process fed line by line, so a test can kill it at a chosen moment."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [COMMAND, "chat", "--config", str(EXAMPLE), "--user", "alice"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=cwd,
            text=True,
            bufsize=1,
        )
        self.output = ""

    def send(self, line: str, expect: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        self.wait_for(expect)

    def finish(self) -> int:
        """Close the pipes (end of input) and wait for the exit code."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=10)
        self.process.stdout.close()
        return code

    def wait_for(self, expect: str, timeout: float = 20) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while expect not in self.output:
            assert time.monotonic() < deadline, f"never saw {expect!r} in:\n{self.output}"
            ready, _, _ = select.select([self.process.stdout], [], [], 0.2)
            if ready:
                self.output += os.read(self.process.stdout.fileno(), 65536).decode()


def test_a_killed_bot_finishes_the_same_signing_after_restart(tmp_path: Path) -> None:
    first = Interactive(tmp_path)
    first.wait_for("Sign the petition")
    first.send("/sign", "Yes, I want to sign")
    first.send("1", "full name")
    first.send("Jane Doe", "What is your email address")
    first.send("jane@example.org", "ZIP code?")
    first.process.send_signal(signal.SIGKILL)
    assert first.finish() == -signal.SIGKILL

    second = Interactive(tmp_path)
    second.wait_for("What is your ZIP code?")  # the step it was at, not the pitch
    assert "Sign the petition" not in second.output
    second.send("12345", "updates about this campaign")
    second.send("1", "Please check your signature")
    second.send("1", "Thank you, Jane!")
    assert second.finish() == 0
    assert rows(tmp_path, "SELECT name, email, postal_code FROM signatures") == [
        ("Jane Doe", "jane@example.org", "12345")
    ]
