"""Lines typed into the terminal, read on the event loop rather than in a thread.

A ``readline`` blocked in a thread can't be interrupted: Ctrl-C (SIGINT) or SIGTERM would
cancel the chat, then wait for that thread until the person pressed Enter. Waiting for the
file descriptor to become readable on the loop itself lets a stop end the wait at once.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import os
from typing import IO

CHUNK = 65536


class LineReader:
    """One line at a time from a terminal, pipe or file; bytes that are not valid in the
    stream's encoding become U+FFFD, so odd input is text like any other."""

    def __init__(self, stream: IO[str] | IO[bytes]) -> None:
        self._stream = stream
        try:
            self._fd: int | None = stream.fileno()
        except (AttributeError, io.UnsupportedOperation):
            self._fd = None  # an in-memory stream (tests): it never blocks
        encoding = getattr(stream, "encoding", None) or "utf-8"
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._buffer = ""
        self._eof = False

    async def readline(self) -> str | None:
        """The next line without its line break, or ``None`` at the end of input."""
        if self._fd is None:
            line = self._stream.readline()
            text = line.decode(errors="replace") if isinstance(line, bytes) else line
            return text.rstrip("\r\n") if text else None
        while "\n" not in self._buffer and not self._eof:
            chunk = await self._read_chunk(self._fd)
            self._eof = not chunk
            self._buffer += self._decoder.decode(chunk, final=self._eof)
        if not self._buffer:
            return None
        line, _, self._buffer = self._buffer.partition("\n")
        return line.rstrip("\r")

    @staticmethod
    async def _read_chunk(fd: int) -> bytes:
        """What is there to read once ``fd`` is readable (a terminal: one typed line)."""
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        try:
            loop.add_reader(fd, _settle, readable)
        except PermissionError:  # a regular file (`< answers.txt`): reading never blocks
            return os.read(fd, CHUNK)
        except NotImplementedError:  # an event loop without readers (Windows): a thread
            return await asyncio.to_thread(os.read, fd, CHUNK)
        try:
            await readable
        finally:
            loop.remove_reader(fd)
        return os.read(fd, CHUNK)


def _settle(readable: asyncio.Future[None]) -> None:
    if not readable.done():
        readable.set_result(None)
