"""`run_until_stopped`: a stop signal ends a command, a stuck stop ends after its grace period."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

pytestmark = [pytest.mark.timeout(60)]

# A command that ignores being cancelled: its stop never finishes on its own.
STUCK = """
import asyncio, sys
import bots.stopping as stopping
stopping.STOP_GRACE_SECONDS = {grace}

async def stuck() -> int:
    print("ready", flush=True)
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            print("cancelled", flush=True)

sys.exit(stopping.run_until_stopped(stuck()))
"""

FINISHES = """
import asyncio, sys
import bots.stopping as stopping

async def cleans_up() -> int:
    print("ready", flush=True)
    try:
        await asyncio.sleep(3600)
    finally:
        await asyncio.sleep(0.1)  # cleanup that awaits, as closing a store does
        print("cleaned up", flush=True)
    return 0

sys.exit(stopping.run_until_stopped(cleans_up()))
"""


def start(source: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


@pytest.mark.parametrize(("how", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_runs_the_cleanup_and_gives_the_signal_s_exit_code(
    how: signal.Signals, code: int
) -> None:
    process = start(FINISHES)
    process.send_signal(how)
    out, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert out == "cleaned up\n" and err == ""


def test_a_stop_that_takes_longer_than_the_grace_period_exits_anyway() -> None:
    process = start(STUCK.format(grace=0.5))
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 143
    assert out == "cancelled\n"
    assert "not stopped 0.5 s after SIGTERM; exiting without finishing the stop" in err


def test_a_second_signal_exits_at_once() -> None:
    process = start(STUCK.format(grace=3600))
    assert process.stdout is not None
    process.send_signal(signal.SIGINT)
    assert process.stdout.readline() == "cancelled\n"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "SIGINT again; exiting without finishing the stop" in err
