"""A progress bar on standard error for long command-line work (exports, broadcasts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(total: int, description: str = "") -> Iterator[Callable[[int], None]]:
    """Yields ``advance(done)``; plain (no bar) when standard error is not a terminal."""
    from rich.console import Console  # imported late: the chat and the bots don't need rich
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    columns = (TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=total or None)
        yield lambda done: bar.update(task, completed=done)
