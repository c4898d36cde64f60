"""What one burst check costs: `Store.burst_counts` on a petition whose last hour holds N
signatures (SQLite, the production pragmas), against the 1 million older ones it must skip.

Why: every stored signature is checked while its petition's last hour holds `BUSY` (5,000)
or fewer signatures (core/alerts/watch.py); busier petitions are counted at most every
``check_interval_seconds`` per value. This shows the per-check cost on both sides of that line.

    .venv/bin/python bench/burst_check.py [--older 200000] [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.alerts.store import Dimension
from storage import SqliteStore

NOW = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
DOMAINS = ("gmail.com", "yahoo.com", "example.org", "proton.me", "web.de")


def fill(path: Path, older: int, recent: int) -> None:
    """``older`` signatures of the last 30 days and ``recent`` of the last hour, in bulk."""
    with sqlite3.connect(path) as db:
        rows = []
        for i in range(older + recent):
            age = timedelta(minutes=30) if i >= older else timedelta(hours=2 + i % 700)
            rows.append(
                (
                    "p",
                    "telegram" if i % 3 else "discord",
                    str(i),
                    "Some Name",
                    f"s{i}@{DOMAINS[i % len(DOMAINS)]}",
                    f"s{i}@{DOMAINS[i % len(DOMAINS)]}",
                    f"r_{i:08d}",
                    (NOW - age).isoformat(),
                )
            )
        db.executemany(
            "INSERT INTO signatures (petition, platform, user_id, name, email, email_key,"
            " country, ref_code, opted_in, signed_at) VALUES (?, ?, ?, ?, ?, ?, 'US', ?, 0, ?)",
            rows,
        )


async def measure(older: int, recent: int, runs: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        await (await SqliteStore.open(path)).close()  # the schema
        fill(path, older, recent)
        store = await SqliteStore.open(path)
        values = {
            Dimension.PLATFORM: "telegram",
            Dimension.REFERRER: "r_00000001",
            Dimension.EMAIL_DOMAIN: "example.org",
        }
        try:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                counts = await store.burst_counts("p", NOW - timedelta(hours=1), values)
                times.append(time.perf_counter() - started)
            assert counts.total == recent, counts
        finally:
            await store.close()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--older", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"{'last hour':>10}  {'older':>8}  {'median ms per check':>20}")
    for recent in (200, 1_000, 5_000, 20_000):
        median = asyncio.run(measure(args.older, recent, args.runs))
        print(f"{recent:>10,}  {args.older:>8,}  {median:>20.2f}")


if __name__ == "__main__":
    main()
