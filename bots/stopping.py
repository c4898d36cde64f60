"""Stopping a command cleanly on SIGINT (Ctrl-C) and SIGTERM (`docker stop`, `systemctl stop`).

Either signal cancels the running command, so its cleanup runs as after any other end: the
platforms disconnect, broadcast workers record what they sent and hand back what they did
not, and the store closes (a SQLite store leaves no WAL file behind). A stop that takes
longer than `STOP_GRACE_SECONDS`, or a second signal, ends the process at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Coroutine
from typing import Any

# Under the 10 s that `docker stop` waits before its SIGKILL.
STOP_GRACE_SECONDS = 8.0
# 128 + the signal's number, as a shell reports a process ended by that signal.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


def run_until_stopped(main: Coroutine[Any, Any, int]) -> int:
    """Run ``main`` to its exit code; a stop signal cancels it and gives that signal's code."""
    stop = _Stop()
    try:
        return asyncio.run(stop.guard(main))
    finally:
        stop.disarm()


class _Stop:
    """The signal handlers of one run, and the deadline a stop must meet."""

    def __init__(self) -> None:
        self.signum: signal.Signals | None = None
        self._deadline: threading.Timer | None = None

    async def guard(self, main: Coroutine[Any, Any, int]) -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        for signum in EXIT_CODES:
            loop.add_signal_handler(signum, self._on_signal, signum, task)
        try:
            code = await main
        except asyncio.CancelledError:
            if self.signum is None:
                raise
            task.uncancel()  # the stop we asked for is this run's normal end
        finally:
            for signum in EXIT_CODES:
                loop.remove_signal_handler(signum)
        return code if self.signum is None else EXIT_CODES[self.signum]

    def disarm(self) -> None:
        """The process is about to end on its own: no forced exit any more."""
        if self._deadline is not None:
            self._deadline.cancel()

    def _on_signal(self, signum: signal.Signals, task: asyncio.Task[int]) -> None:
        if self.signum is not None:  # a second signal: whoever sent it will not wait
            _exit_now(EXIT_CODES[signum], f"{signum.name} again")
        self.signum = signum
        task.cancel()
        # A thread, not the event loop: the deadline must hold even if the loop is stuck.
        self._deadline = threading.Timer(
            STOP_GRACE_SECONDS,
            _exit_now,
            (EXIT_CODES[signum], f"not stopped {STOP_GRACE_SECONDS:g} s after {signum.name}"),
        )
        self._deadline.daemon = True
        self._deadline.start()


def _exit_now(code: int, why: str) -> None:
    print(f"petition-bot: {why}; exiting without finishing the stop.", file=sys.stderr)
    sys.stderr.flush()
    os._exit(code)
