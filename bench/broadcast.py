"""Broadcast delivery at scale: 100,000 recipients through the real dispatcher.

What it measures (issue 5): the real ``DeliveryWorker`` on a production ``SqliteStore``
(WAL, ``synchronous=FULL``, group commit) delivers one broadcast to N opted-in signers
through a fake Telegram sender that accepts any rate and only records when each send
happened (one float per send, in an ``array('d')``, and a one-byte counter per recipient).

(a) paced at 1,000/s, N = 100,000: the achieved rate must be at least 95% of the limit,
    and no one-second window (sliding, not just aligned seconds) may hold more sends than
    the limit;
(b) unpaced (``Pacer(None)``), N = 100,000: the dispatcher's own ceiling in messages/s;
(c) peak RSS of the process, N = 10,000 and N = 100,000 (unpaced): under 150 MB each and
    not growing with the audience (growth from 10,000 to 100,000 under 10 MB, i.e. nothing
    kept per recipient beyond the benchmark's own 9 bytes of instrumentation).

Each measurement runs in a fresh child process of this script (``--child``), so the peak
RSS is that run's alone: the child's ``VmHWM``, not ``ru_maxrss``, which on Linux keeps the
parent's peak across fork and exec. The parent builds one database per audience size
with stdlib ``sqlite3`` (after ``SqliteStore.open`` created the schema); every child copies
it, then uses the real store to create and confirm the broadcast (which stores one delivery
row per recipient) and runs ``DeliveryWorker.deliver`` with the real ``Pacer`` and
``Announcements``. Every run checks that each recipient got exactly one message, that the
sender saw exactly N sends, and that the store counts N delivered and the broadcast done;
if not, the script exits 1. A missed target is reported, not an error.

    .venv/bin/python bench/broadcast.py            # about 2 minutes (the paced run alone: 100 s)
    .venv/bin/python bench/broadcast.py --quick    # 20,000 / 2,000 recipients, about 25 s
    # options: --recipients N (100000), --small N (10000), --rate R (1000), --keep DIR
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from bots.config import load_config
from core.broadcasts.announcement import Announcements
from core.broadcasts.models import BroadcastStatus, DeliveryState
from core.broadcasts.pacing import Pacer
from core.broadcasts.worker import DeliveryWorker
from core.catalog import Catalog
from core.delivery import DeliveryResult
from core.messages import Outbound
from storage import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.example.toml"
SLUG = "dont-run-joe"
PLATFORM = "telegram"
USER_BASE = 100_000_000  # signer i has Telegram user id USER_BASE + i
TEXT = "Rally on **Saturday** at the state house, 10am. Bring a friend!"
CHUNK = 50_000
RATE_SHARE_TARGET = 0.95
RSS_TARGET_MB = 150.0
RSS_GROWTH_TARGET_MB = 10.0
DELIVERED = DeliveryResult.delivered()  # frozen, so one shared result serves every send


# The fake platform


class CountingSender:
    """A Telegram `Sender` that accepts any rate and keeps no object per message.

    It records the time of each send (``time.monotonic()``) in a compact float array and
    counts sends per recipient in one byte each (saturating at 255), so the benchmark's own
    memory is 9 bytes per recipient.
    """

    platform = PLATFORM

    def __init__(self, recipients: int) -> None:
        self.times = array("d")
        self.per_recipient = bytearray(recipients + 1)  # index i: signer i
        self.strangers = 0  # sends to an address that is no signer of this benchmark
        self.chats = 0
        self.first_text = ""

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        self.times.append(time.monotonic())
        index = int(user_id) - USER_BASE
        if 0 < index < len(self.per_recipient):
            if self.per_recipient[index] < 255:
                self.per_recipient[index] += 1
        else:
            self.strangers += 1
        if not self.first_text:
            self.first_text = message.text.to_plain_text()
        return DELIVERED

    async def send_to_chat(self, chat_id: str, message: Outbound) -> DeliveryResult:
        self.times.append(time.monotonic())
        self.chats += 1
        return DELIVERED

    async def edit_in_chat(
        self, chat_id: str, message_id: str, message: Outbound
    ) -> DeliveryResult:
        return DeliveryResult.delivered(message_id)


# Building the audience


def signature_rows(total: int, signed_at: str) -> Iterator[tuple[object, ...]]:
    for i in range(1, total + 1):
        email = f"signer{i}@example.org"
        yield (
            i,
            SLUG,
            PLATFORM,
            str(USER_BASE + i),
            f"Signer {i} Example",
            email,
            email,
            f"{10000 + i % 89999:05d}",
            "US",
            None,
            None,
            f"r_{i:010d}",
            1,  # opted in to updates
            signed_at,
            None,  # active
        )


async def create_schema(path: Path) -> None:
    store = await SqliteStore.open(path)
    await store.close()


def build(path: Path, total: int) -> float:
    """A database of ``total`` opted-in, active Telegram signers of the example petition."""
    began = time.perf_counter()
    asyncio.run(create_schema(path))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")  # set-up only; the measured store uses FULL
    rows = signature_rows(total, datetime.now(UTC).isoformat())
    while chunk := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO signatures VALUES ({', '.join('?' * 15)})", chunk)
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - began


# One measurement (child process)


def memory_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process, from /proc/self/status.

    Not ``ru_maxrss``: Linux carries the parent's peak into a child across fork and exec
    (``getrusage`` returns the larger of the two), so a child started by a parent that once
    held 50 MB reports at least 50 MB whatever it does itself. ``VmHWM`` belongs to the
    child's own address space.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> bool:
    """Restart the ``VmHWM`` high-water mark at the current RSS (Linux 4.0 and later)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def max_in_window(times: array, window: float = 1.0) -> int:
    """The most sends in any half-open window [t, t + window), by two pointers."""
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def max_in_aligned_second(times: array) -> int:
    if not times:
        return 0
    origin = times[0]
    counts: dict[int, int] = {}
    for at in times:
        second = int(at - origin)
        counts[second] = counts.get(second, 0) + 1
    return max(counts.values())


async def measure(template: Path, workdir: Path, recipients: int, rate: float | None) -> dict:
    path = workdir / f"run-{recipients}-{rate or 'unlimited'}.db"
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(template, path)
    campaign = load_config(CONFIG).campaign
    announcements = Announcements(Catalog.load(), campaign)
    sender = CountingSender(recipients)
    store = await SqliteStore.open(path)
    try:
        audience = await store.audience_counts(SLUG)
        now = datetime.now(UTC)
        draft = await store.create_broadcast(SLUG, TEXT, "telegram:9", ("telegram", "9"), now)
        began = time.perf_counter()
        broadcast = await store.confirm_broadcast(draft.id, [], now)
        confirm_seconds = time.perf_counter() - began
        assert broadcast is not None
        rss_before = memory_mb("VmRSS")
        process_peak = memory_mb("VmHWM")  # start-up, imports, copy, confirm
        peak_was_reset = reset_peak()
        worker = DeliveryWorker(
            store,
            sender,
            Pacer(rate),
            announcements.message_for,
            lambda: datetime.now(UTC),
        )
        began = time.perf_counter()
        tried = await worker.deliver(broadcast)
        deliver_seconds = time.perf_counter() - began
        rss_after = memory_mb("VmRSS")
        # the peak of the delivery phase alone, if the high-water mark could be reset
        deliver_peak = memory_mb("VmHWM") if peak_was_reset else None
        peak = max(process_peak, memory_mb("VmHWM"))
        totals = await store.totals(broadcast.id)
        finished = await store.get_broadcast(broadcast.id)
    finally:
        await store.close()

    times = sender.times
    sends = len(times)
    span = times[-1] - times[0] if sends > 1 else 0.0
    counts = sender.per_recipient
    failures = []
    if audience != {PLATFORM: recipients}:
        failures.append(f"audience {audience}, expected {{{PLATFORM!r}: {recipients}}}")
    if broadcast.total != recipients:
        failures.append(f"confirm stored {broadcast.total} deliveries, expected {recipients}")
    if sends != recipients or tried != recipients:
        failures.append(f"sender saw {sends} sends, worker tried {tried}, expected {recipients}")
    missed = sum(1 for n in counts[1:] if n == 0)
    repeated = sum(1 for n in counts[1:] if n > 1)
    if missed or repeated or sender.strangers or sender.chats:
        failures.append(
            f"{missed} recipients got nothing, {repeated} got more than one message,"
            f" {sender.strangers} sends to strangers, {sender.chats} to chats"
        )
    if totals[DeliveryState.DELIVERED] != recipients or totals.total != recipients:
        failures.append(f"store totals {dict(totals.by_state)}, expected {recipients} delivered")
    if finished is None or finished.status is not BroadcastStatus.DONE:
        failures.append(f"broadcast status {finished and finished.status}, expected done")
    if TEXT.replace("**", "") not in sender.first_text or f"/stop {SLUG}" not in (
        sender.first_text
    ):
        failures.append(f"unexpected message text {sender.first_text[:120]!r}")
    return {
        "recipients": recipients,
        "rate": rate,
        "confirm_seconds": confirm_seconds,
        "deliver_seconds": deliver_seconds,
        "sends": sends,
        "send_span": span,
        # sends per second between the first and the last send (n - 1 intervals)
        "achieved_rate": (sends - 1) / span if span else 0.0,
        "throughput": recipients / deliver_seconds,
        "max_window": max_in_window(times),
        "max_aligned": max_in_aligned_second(times),
        "rss_before_deliver_mb": rss_before,
        "rss_after_mb": rss_after,
        "deliver_peak_mb": deliver_peak,
        "peak_rss_mb": peak,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "failures": failures,
    }


def child(args: argparse.Namespace) -> int:
    result = asyncio.run(measure(args.template, args.workdir, args.recipients, args.rate))
    print(json.dumps(result))
    return 0


# The parent: build, run each measurement in its own process, report


def run_child(template: Path, workdir: Path, recipients: int, rate: float | None) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--template",
        str(template),
        "--workdir",
        str(workdir),
        "--recipients",
        str(recipients),
    ]
    if rate is not None:
        command += ["--rate", str(rate)]
    label = f"{recipients:,} recipients at {f'{rate:g}/s' if rate else 'no limit'}"
    print(f"running {label} ...", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the child process for {label} exited {done.returncode}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"  done: delivered in {result['deliver_seconds']:.1f} s,"
        f" confirm {result['confirm_seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.1f} MB",
        flush=True,
    )
    return result


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(paced: dict, ceiling: dict, small: dict, rate: float) -> bool:
    """Print the table; ``True`` if every correctness check passed."""
    rows: list[tuple[str, str, str, str]] = []
    big, low = ceiling["recipients"], small["recipients"]
    floor = RATE_SHARE_TARGET * rate
    rows.append(
        (
            f"(a) achieved rate, {paced['recipients']:,} at {rate:g}/s",
            f"{paced['achieved_rate']:,.1f}/s ({paced['achieved_rate'] / rate:.1%})",
            f">= {floor:,.0f}/s",
            verdict(paced["achieved_rate"] >= floor),
        )
    )
    rows.append(
        (
            "(a) most sends in any 1 s window",
            f"{paced['max_window']:,} (aligned s: {paced['max_aligned']:,})",
            f"<= {rate:,.0f}",
            verdict(paced["max_window"] <= rate),
        )
    )
    rows.append(
        (
            "(a) wall time of deliver()",
            f"{paced['deliver_seconds']:.1f} s",
            "-",
            "",
        )
    )
    rows.append(
        (
            f"(b) ceiling, {big:,} unpaced",
            f"{ceiling['throughput']:,.0f} msg/s",
            f"> {rate:,.0f}/s",
            verdict(ceiling["throughput"] > rate),
        )
    )
    rows.append(
        (
            f"(b) confirm: store {big:,} deliveries",
            f"{ceiling['confirm_seconds']:.2f} s",
            "-",
            "",
        )
    )
    for run in (small, ceiling):
        rows.append(
            (
                f"(c) peak RSS, {run['recipients']:,} unpaced",
                f"{run['peak_rss_mb']:.1f} MB",
                f"< {RSS_TARGET_MB:g} MB",
                verdict(run["peak_rss_mb"] < RSS_TARGET_MB),
            )
        )
    growth = ceiling["peak_rss_mb"] - small["peak_rss_mb"]
    rows.append(
        (
            f"(c) peak RSS growth {low:,} -> {big:,}",
            f"{growth:+.1f} MB",
            f"< {RSS_GROWTH_TARGET_MB:g} MB",
            verdict(growth < RSS_GROWTH_TARGET_MB),
        )
    )
    rows.append(
        (
            f"(c) peak RSS, {paced['recipients']:,} at {rate:g}/s",
            f"{paced['peak_rss_mb']:.1f} MB",
            f"< {RSS_TARGET_MB:g} MB",
            verdict(paced["peak_rss_mb"] < RSS_TARGET_MB),
        )
    )
    correct = True
    for run in (paced, ceiling, small):
        label = f"{run['recipients']:,} at " + (f"{run['rate']:g}/s" if run["rate"] else "no limit")
        ok = not run["failures"]
        correct = correct and ok
        rows.append(
            (
                f"exactly once, {label}",
                "each recipient 1 message" if ok else "; ".join(run["failures"]),
                "all",
                "ok" if ok else "FAILED",
            )
        )
    widths = [
        max(len(row[i]) for row in [("figure", "value", "target", "result"), *rows])
        for i in range(4)
    ]
    header = ("figure", "value", "target", "result")
    line = "  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(header))
    print()
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip())
    print()
    print("RSS (MB; VmRSS/VmHWM of the child; ru_maxrss also counts the parent's peak):")
    for run in (small, ceiling, paced):
        pace = f"{run['rate']:g}/s" if run["rate"] else "unpaced"
        during = run["deliver_peak_mb"]
        print(
            f"  {run['recipients']:>9,} {pace:<8}"
            f" before deliver {run['rss_before_deliver_mb']:5.1f},"
            f" peak while delivering {'n/a' if during is None else f'{during:5.1f}'},"
            f" after {run['rss_after_mb']:5.1f}, process peak {run['peak_rss_mb']:5.1f}"
            f" (ru_maxrss {run['ru_maxrss_mb']:.1f})"
        )
    return correct


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=None, help="large audience (100000)")
    parser.add_argument("--small", type=int, default=None, help="small audience (10000)")
    parser.add_argument("--rate", type=float, default=None, help="paced limit per second (1000)")
    parser.add_argument(
        "--quick", action="store_true", help="20,000 and 2,000 recipients (about 25 s)"
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the databases in DIR")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--template", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return args
    args.recipients = args.recipients or (20_000 if args.quick else 100_000)
    args.small = args.small or (2_000 if args.quick else 10_000)
    args.rate = args.rate or 1000.0
    if not 0 < args.small < args.recipients or args.rate <= 0:
        parser.error("need 0 < --small < --recipients and --rate > 0")
    return args


def main() -> int:
    args = parse_args()
    if args.child:
        return child(args)
    with tempfile.TemporaryDirectory(prefix="broadcast-bench-") as directory:
        workdir = args.keep or Path(directory)
        workdir.mkdir(parents=True, exist_ok=True)
        templates = {}
        for size in (args.small, args.recipients):
            templates[size] = workdir / f"audience-{size}.db"
            for stale in workdir.glob(f"audience-{size}.db*"):
                stale.unlink()
            seconds = build(templates[size], size)
            print(f"built {size:,} opted-in signers in {seconds:.1f} s", flush=True)
        small = run_child(templates[args.small], workdir, args.small, None)
        ceiling = run_child(templates[args.recipients], workdir, args.recipients, None)
        paced = run_child(templates[args.recipients], workdir, args.recipients, args.rate)
    print(f"\nmachine: nproc={os.cpu_count()}, python {sys.version.split()[0]}")
    correct = report(paced, ceiling, small, args.rate)
    if not correct:
        print("a correctness check FAILED", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
