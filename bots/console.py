"""The terminal adapter: chat with the bot as ``console:<name>``, buttons as numbered choices."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from bots.terminal_input import LineReader
from core.bot import PetitionBot
from core.markup import Markup
from core.messages import Capabilities, Choice, Identity, Inbound, InboundKind, Outbound

PLATFORM = "console"
CAPABILITIES = Capabilities(max_text_length=100_000, native_forms=False)

_BOLD, _ITALIC, _UNDERLINE, _RESET = "\x1b[1m", "\x1b[3m", "\x1b[4m", "\x1b[0m"
# A choice is typed as its number: a few ASCII digits, never a 5,000-digit int() to parse.
_MAX_CHOICE_DIGITS = 3


def render_terminal(text: Markup, color: bool) -> str:
    """Markup as terminal text: ANSI styles on a terminal, plain in a pipe; links keep the URL."""
    out = []
    for span in text.spans:
        piece = _printable(span.text)
        if span.url and span.url != span.text:
            piece = f"{piece} ({_printable(span.url)})"
        if color and (span.bold or span.italic or span.url):
            style = (_BOLD if span.bold else "") + (_ITALIC if span.italic else "")
            piece = f"{style}{_UNDERLINE if span.url else ''}{piece}{_RESET}"
        out.append(piece)
    return "".join(out)


def _printable(text: str) -> str:
    """User text can't move the cursor or change colours: escape sequences are shown, not run."""
    return "".join(ch if ch.isprintable() or ch == "\n" else repr(ch)[1:-1] for ch in text)


def terminal_language(environ: Mapping[str, str] = os.environ) -> str | None:
    """The terminal's language as POSIX locales name it (``LC_ALL``, then ``LC_MESSAGES``,
    then ``LANG``): ``es_ES.UTF-8`` → ``es-ES``; ``C`` and ``POSIX`` name none."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            code = value.split(".")[0].split("@")[0]
            return None if code in ("C", "POSIX") else code.replace("_", "-")
    return None


class ConsoleChat:
    """One person's chat with the bot in a terminal."""

    def __init__(
        self,
        bot: PetitionBot,
        user: str,
        out: TextIO,
        color: bool = False,
        language: str | None = None,
    ) -> None:
        self._bot = bot
        self._user = user
        # The terminal is a private chat of one person, whose name is the login name.
        self._who = Identity(
            platform=PLATFORM, user_id=user, chat_id=user, display_name=user, language=language
        )
        self._out = out
        self._color = color
        self._choices: list[Choice] = []

    async def say(self, line: str) -> list[Outbound]:
        """Send one line as the user, print every reply, and return the replies."""
        inbound = self.to_inbound(line)
        if inbound is None:
            return []
        return self._show(await self._bot.handle(inbound, CAPABILITIES))

    async def resume(self) -> list[Outbound]:
        """Open the chat: the step of an unfinished conversation, else what ``/start`` says."""
        inbound = self.to_inbound("/start")
        assert inbound is not None
        return self._show(await self._bot.resume(inbound, CAPABILITIES))

    def to_inbound(self, line: str) -> Inbound | None:
        """A command (``/sign x``), a pressed choice (its number or label), or free text."""
        line = line.strip()
        if not line:
            return None
        who = self._who
        words = line[1:].split() if line.startswith("/") else []
        if words:
            command, *args = words
            return Inbound(kind=InboundKind.COMMAND, command=command, args=tuple(args), who=who)
        choice = self._pressed(line)
        if choice is not None:
            return Inbound(kind=InboundKind.CHOICE, text=choice.data, who=who)
        return Inbound(kind=InboundKind.TEXT, text=line, who=who)  # "/" alone is text too

    def _pressed(self, line: str) -> Choice | None:
        """The choice whose number (ASCII digits: ``²`` is text) or label was typed."""
        if line.isascii() and line.isdigit() and len(line) <= _MAX_CHOICE_DIGITS:
            number = int(line)
            return self._choices[number - 1] if 1 <= number <= len(self._choices) else None
        return next((c for c in self._choices if c.label.casefold() == line.casefold()), None)

    def _show(self, replies: list[Outbound]) -> list[Outbound]:
        for reply in replies:
            self._print(reply)
        return replies

    def _print(self, reply: Outbound) -> None:
        text = render_terminal(reply.text, self._color)
        shown = [choice for row in reply.choices for choice in row]
        if shown:
            # The numbers on screen are the last ones printed: a reply without buttons (the
            # answer to /status, say) leaves them standing, as buttons stay on their message
            # in a chat app; the core tells a stale one from a current one.
            self._choices = shown
        buttons = "  ".join(f"[{i}] {c.label}" for i, c in enumerate(shown, start=1))
        links = "  ".join(f"{link.label}: {link.url}" for link in reply.links)
        # A terminal can't show a file; the command line writes the same ones to disk.
        attached = (
            f"[file {reply.file.filename}, {len(reply.file.content):,} bytes: save it with "
            "petition-bot export or petition-bot stats --chart]"
            if reply.file
            else ""
        )
        print(f"bot: {text}", file=self._out)
        for extra in (buttons, links, attached):
            if extra:
                print(f"     {_printable(extra)}", file=self._out)
        print(file=self._out, flush=True)


async def run_console(
    bot: PetitionBot, user: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    """Read lines until end of input; in a pipe each line is echoed so the transcript reads.

    A restarted chat opens at the step the person was at. Ctrl-C ends it at once: the line
    is read on the event loop, so the cancellation that SIGINT brings ends the wait.
    """
    interactive = stdin.isatty()
    reader = LineReader(stdin)
    chat = ConsoleChat(bot, user, stdout, color=stdout.isatty(), language=terminal_language())
    print(f"Chatting as console:{user}. Type /help, or Ctrl-D or Ctrl-C to leave.\n", file=stdout)
    await chat.resume()
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        try:
            line = await reader.readline()
        except asyncio.CancelledError:
            if interactive:
                print(file=stdout, flush=True)  # the shell's prompt starts on its own line
            raise
        if line is None:
            return
        if not interactive:
            print(f"> {_printable(line)}", file=stdout)
        await chat.say(line)
