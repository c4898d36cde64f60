"""`petition-bot chat` stopped by Ctrl-C or SIGTERM: at once, cleanly, the store closed."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import termios
import time
from pathlib import Path

import pytest

from tests.e2e.test_chat_cli import COMMAND, EXAMPLE, Interactive, rows

pytestmark = [pytest.mark.timeout(60)]


def closed_cleanly(tmp_path: Path) -> bool:
    """The store was closed: SQLite removes the WAL file when its last connection closes."""
    return not (tmp_path / "petition.db-wal").exists()


@pytest.mark.parametrize(("how", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_a_piped_chat_and_keeps_the_answers(
    tmp_path: Path, how: signal.Signals, code: int
) -> None:
    chat = Interactive(tmp_path)
    chat.wait_for("Sign the petition")
    chat.send("/sign", "Yes, I want to sign")
    chat.send("1", "full name")
    chat.send("Jane Doe", "What is your email address")
    chat.process.send_signal(how)
    assert chat.process.wait(timeout=30) == code
    assert chat.process.stdin is not None and chat.process.stdout is not None
    chat.process.stdin.close()
    chat.process.stdout.close()
    assert closed_cleanly(tmp_path)
    [(state,)] = rows(tmp_path, "SELECT state FROM conversations")
    assert '"name":"Jane Doe"' in state


class Terminal:
    """`petition-bot` (chat by default) on a pseudo-terminal of its own, as a person types."""

    def __init__(self, cwd: Path, *command: str) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [COMMAND, *(command or ("chat", "--user", "alice")), "--config", str(EXAMPLE)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_take_controlling_terminal,  # so Ctrl-C sends SIGINT, as in a shell
        )
        os.close(slave)
        self.output = ""

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_for(self, expect: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while expect not in self.output:
            assert time.monotonic() < deadline, f"never saw {expect!r} in:\n{self.output}"
            self._read(0.2)

    def finish(self, timeout: float = 20) -> int:
        code = self.process.wait(timeout=timeout)
        while self._read(0):
            pass
        os.close(self.master)
        return code

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the other end is closed: the process has exited
            return False
        self.output += chunk.decode(errors="replace")
        return bool(chunk)


def _take_controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_ctrl_c_leaves_an_interactive_chat_at_once(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.wait_for("Sign the petition")
    terminal.type(b"/sign\n")
    terminal.wait_for("Yes, I want to sign")
    terminal.wait_for("> ")
    terminal.type(b"\x03")  # Ctrl-C, while the chat waits for a line
    assert terminal.finish() == 130, terminal.output
    assert "Traceback" not in terminal.output
    assert closed_cleanly(tmp_path)
    [(state,)] = rows(tmp_path, "SELECT state FROM conversations")
    assert '"step":"confirm"' in state


def test_sigterm_leaves_an_interactive_chat_at_once(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.wait_for("Sign the petition")
    terminal.process.send_signal(signal.SIGTERM)
    assert terminal.finish() == 143, terminal.output
    assert "Traceback" not in terminal.output
    assert closed_cleanly(tmp_path)


def test_ctrl_c_at_the_broadcast_question_sends_nothing_and_exits(tmp_path: Path) -> None:
    message = tmp_path / "news.txt"
    message.write_text("Rally on Saturday", encoding="utf-8")
    terminal = Terminal(tmp_path, "broadcast", "--message-file", str(message))
    terminal.wait_for("people? [y/N]")
    terminal.type(b"\x03")
    assert terminal.finish() == 130, terminal.output
    assert "Traceback" not in terminal.output
    assert closed_cleanly(tmp_path)
    assert rows(tmp_path, "SELECT status FROM broadcasts") == [("draft",)]
