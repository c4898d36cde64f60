"""Moderator figures at scale: `/count` and `/stats` latency on 1,000,000 signatures.

What it measures: how long a moderator waits for ``/count`` and ``/stats`` through
``PetitionBot.handle`` on a production ``SqliteStore`` holding a million signatures, and the
store calls underneath (``store.count``, ``store.stats``). The design promises counts that
are "exact and instant at millions of signatures (no full-table scan per /count)": the store
keeps running tallies, so both answers must stay flat however many people signed.
Targets: ``/count`` median < 1 ms, ``/stats`` median < 50 ms.

The database is built directly (not through the conversation, which would take hours): the
store creates and migrates the schema, then stdlib ``sqlite3`` bulk-inserts signatures, their
consent rows and the matching tallies (total, day, platform, source, referrer) in large
transactions, spread over the last 30 days, two platforms, a few sources and a skewed set of
referrers, with 1% withdrawn. Pass ``--db PATH`` to keep the built file and reuse it.

    .venv/bin/python bench/count_latency.py [--signatures 1000000] [--runs 200] [--db PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bots.config import load_config
from bots.console import CAPABILITIES
from core.bot import PetitionBot
from core.config import PetitionConfig
from core.messages import Inbound, InboundKind
from core.referrals import _CODE_ALPHABET
from storage import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.example.toml"
MODERATOR = ("console", "moderator")  # a moderator in config.example.toml
DAYS = 30
STATS_DAYS = 7
PLATFORMS = (("telegram", 0.65), ("discord", 0.35))
SOURCES = ((None, 0.5), ("newsletter", 0.2), ("twitter", 0.15), ("site", 0.1), ("partner", 0.05))
REFERRED = 0.25  # share of signers who came through someone's referral code
REFERRERS = 50_000  # distinct referrers, with a few very active ones
WITHDRAWN = 0.01
CHUNK = 100_000
# "/stats, chart drawn" has no target of its own: the 50 ms target predates the chart, which
# matplotlib draws in a worker thread (other chats are not held up) and is then reused.
TARGETS_MS = {"/count": 1.0, "/stats": 50.0}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200, help="timed runs of each call")
    parser.add_argument(
        "--db", type=Path, default=None, help="database file to build once and reuse"
    )
    args = parser.parse_args()
    if args.signatures < REFERRERS or args.runs < 1:
        parser.error(f"--signatures must be >= {REFERRERS} and --runs >= 1")
    return args


def ref_code(number: int) -> str:
    """A unique code in the shape the bot issues (``r_`` and 8 letters of its alphabet)."""
    letters = []
    for _ in range(8):
        number, digit = divmod(number, len(_CODE_ALPHABET))
        letters.append(_CODE_ALPHABET[digit])
    return "r_" + "".join(reversed(letters))


def pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    roll = rng.random()
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


def signature_rows(
    petition: PetitionConfig, total: int, now: datetime, tallies: Counter[tuple[str, str]]
) -> Iterator[tuple[object, ...]]:
    """Every signature row, oldest first, counting the active ones into ``tallies``."""
    rng = random.Random(20261130)
    start = now - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / total
    for i in range(1, total + 1):
        signed_at = start + step * i
        platform = pick(rng, PLATFORMS)
        source = pick(rng, SOURCES)
        referrer = None
        if i > REFERRERS and rng.random() < REFERRED:
            # a long tail of referrers, with the earliest ones far more active
            referrer = ref_code(int(REFERRERS * rng.random() ** 3) + 1)
        withdrawn = rng.random() < WITHDRAWN
        email = f"signer{i}@example.org"
        yield (
            i,
            petition.slug,
            platform,
            str(100_000_000 + i),
            None if withdrawn else f"Signer {i} Example",
            None if withdrawn else email,
            None if withdrawn else email,
            None if withdrawn else f"{10000 + i % 89999:05d}",
            petition.country,
            source,
            referrer,
            ref_code(i),
            0 if withdrawn else int(rng.random() < 0.6),
            signed_at.isoformat(),
            (signed_at + timedelta(hours=1)).isoformat() if withdrawn else None,
        )
        if not withdrawn:
            tallies["total", ""] += 1
            tallies["day", signed_at.date().isoformat()] += 1
            tallies["platform", platform] += 1
            tallies["source", source or "direct"] += 1
            if referrer:
                tallies["referrer", referrer] += 1


def consent_rows(
    petition: PetitionConfig, rows: list[tuple[object, ...]]
) -> Iterator[tuple[object, ...]]:
    for row in rows:
        signature_id, opted_in, at = row[0], row[12], row[13]
        yield (signature_id, "processing", 1, petition.consent_version, at)
        yield (signature_id, "updates", opted_in, None, at)


async def create_schema(path: Path) -> None:
    store = await SqliteStore.open(path)
    await store.close()


def build(path: Path, petition: PetitionConfig, total: int) -> float:
    """Create the database: the store's schema, then signatures, consents and tallies.

    It is built under a temporary name and renamed when complete, so an interrupted build
    never leaves a half-filled file at ``path``.
    """
    began = time.perf_counter()
    partial = path.with_name(path.name + ".building")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    asyncio.run(create_schema(partial))
    db = sqlite3.connect(partial, isolation_level=None)
    db.execute("PRAGMA synchronous = OFF")  # set-up only; the measured store uses FULL
    tallies: Counter[tuple[str, str]] = Counter()
    rows = signature_rows(petition, total, datetime.now(UTC), tallies)
    while chunk := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO signatures VALUES ({', '.join('?' * 15)})", chunk)
        db.executemany(
            "INSERT INTO consents (signature_id, kind, granted, text_version, at)"
            " VALUES (?, ?, ?, ?, ?)",
            consent_rows(petition, chunk),
        )
        db.execute("COMMIT")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO tallies (petition, dimension, key, n) VALUES (?, ?, ?, ?)",
        ((petition.slug, dimension, key, n) for (dimension, key), n in tallies.items()),
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    partial.rename(path)
    return time.perf_counter() - began


def check_database(path: Path, petition: str, total: int) -> int:
    """The active signatures, after checking the tallies agree with the rows themselves."""
    db = sqlite3.connect(path)
    try:
        (rows,) = db.execute("SELECT count(*) FROM signatures").fetchone()
        (active,) = db.execute(
            "SELECT count(*) FROM signatures WHERE petition = ? AND withdrawn_at IS NULL",
            (petition,),
        ).fetchone()
        tally = db.execute(
            "SELECT n FROM tallies WHERE petition = ? AND dimension = 'total' AND key = ''",
            (petition,),
        ).fetchone()
    finally:
        db.close()
    if rows != total or tally is None or tally[0] != active:
        raise SystemExit(
            f"{path}: {rows} signatures (expected {total}), total tally {tally} vs {active}"
            " active rows; delete the file to rebuild it"
        )
    return active


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    """Milliseconds of each of ``runs`` calls, after a few untimed warm-up calls."""
    for _ in range(5):
        await call()
    latencies = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]


async def measure(path: Path, runs: int, active: int) -> list[tuple[str, list[float]]]:
    campaign = load_config(CONFIG).campaign
    petition = campaign.default_petition
    store = await SqliteStore.open(path)
    bot = PetitionBot(campaign, store)
    platform, user_id = MODERATOR

    def command(name: str, fresh: bool = False) -> Callable[[], Awaitable[object]]:
        inbound = Inbound(
            platform=platform,
            user_id=user_id,
            chat_id=user_id,
            kind=InboundKind.COMMAND,
            command=name,
        )
        if fresh:  # a new bot each time: nothing reused, the chart is drawn every time
            return lambda: PetitionBot(campaign, store, bot.catalog).handle(inbound, CAPABILITIES)
        return lambda: bot.handle(inbound, CAPABILITIES)

    try:
        # prove the answers are the real figures before timing them
        for name in ("count", "stats"):
            replies = await command(name)()
            text = " ".join(reply.text.to_plain_text() for reply in replies)
            if f"{active:,}" not in text:
                raise SystemExit(f"/{name} did not answer the count {active:,}: {text[:200]!r}")
        today = datetime.now(UTC).date()
        return [
            ("/count", await timed(command("count"), runs)),
            ("/stats", await timed(command("stats"), runs)),
            ("/stats, chart drawn", await timed(command("stats", fresh=True), max(5, runs // 10))),
            ("store.count", await timed(lambda: store.count(petition.slug), runs)),
            (
                "store.stats",
                await timed(lambda: store.stats(petition.slug, today, STATS_DAYS), runs),
            ),
        ]
    finally:
        await store.close()


def report(results: list[tuple[str, list[float]]], active: int, runs: int) -> None:
    print(f"active signatures: {active:,}; {runs} timed runs per call")
    header = f"{'call':<20} {'median ms':>10} {'p99 ms':>10} {'max ms':>10} {'target':>10}  result"
    print(header)
    print("-" * len(header))
    for name, latencies in results:
        median = statistics.median(latencies)
        target = TARGETS_MS.get(name)
        verdict = "" if target is None else ("target met" if median < target else "target missed")
        shown = f"< {target:g} ms" if target is not None else "-"
        print(
            f"{name:<20} {median:>10.3f} {p99(latencies):>10.3f} {max(latencies):>10.3f}"
            f" {shown:>10}  {verdict}"
        )


def main() -> int:
    args = parse_args()
    petition = load_config(CONFIG).campaign.default_petition
    with tempfile.TemporaryDirectory(prefix="count-bench-") as directory:
        path = args.db or Path(directory) / "million.db"
        if path.exists():
            print(f"reusing {path}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            seconds = build(path, petition, args.signatures)
            print(f"built {path} with {args.signatures:,} signatures in {seconds:.1f} s")
        active = check_database(path, petition.slug, args.signatures)
        results = asyncio.run(measure(path, args.runs, active))
    report(results, active, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
