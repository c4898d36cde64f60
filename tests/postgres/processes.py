"""Start worker processes (tests/postgres/worker.py) and release them at the same moment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """One ``tests.postgres.worker`` process."""

    def __init__(self, url: str, action: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.postgres.worker", url, action, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def line(self) -> Any:
        assert self.process.stdout is not None
        text = self.process.stdout.readline()
        assert text, f"the worker ended early (exit {self.process.wait(timeout=60)})"
        return json.loads(text)

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def result(self) -> Any:
        try:
            outcome = self.line()
        finally:
            self.close()
        assert self.process.returncode == 0, f"the worker failed (exit {self.process.returncode})"
        return outcome

    def close(self) -> None:
        """Close its pipes and wait for it to end (it ends once its input is closed)."""
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.process.wait(timeout=60)


def together(workers: list[Worker]) -> list[Any]:
    """Wait until every worker is ready, release them all, and collect their outcomes."""
    try:
        for worker in workers:
            assert worker.line() == "ready"
        for worker in workers:
            worker.go()
        return [worker.result() for worker in workers]
    finally:
        for worker in workers:
            worker.close()
