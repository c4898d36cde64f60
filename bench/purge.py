"""Retention on SQLite: how long a purge takes, and what the WAL checkpoint costs a withdrawal.

On a production ``SqliteStore`` (WAL, ``synchronous=FULL``, ``secure_delete``) holding N
confirmed signatures of one petition:

(a) ``anonymise_petition`` as a dry run (a count) and for real (N rows rewritten, then the
    checkpoint that follows it), wall time each;
(b) one withdrawal at a time, K of them, each followed by the checkpoint it asks for (timed
    until a write queued after it returns, so the checkpoint is included), against K more
    with the checkpoint switched off: the mean and the 95th percentile per withdrawal.

With ``--broadcasts B`` the petition first had B finished broadcasts to all N signers (B * N
delivery rows), which a withdrawal erases the account id from and a purge anonymises.

The counts before and after are compared: the script exits 1 if anonymising changed them.

    .venv/bin/python bench/purge.py                 # N = 100,000, K = 200; about 30 s
    .venv/bin/python bench/purge.py --signatures 20000 --withdrawals 50 --broadcasts 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.models import NewSignature
from storage import SqliteStore

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def signature(i: int) -> NewSignature:
    return NewSignature(
        petition="p",
        platform="telegram",
        user_id=str(1_000_000 + i),
        name=f"Signer Number{i}",
        email=f"signer{i}@example.org",
        email_key=f"signer{i}@example.org",
        postal_code="12345",
        country="US",
        ref_code=f"r_{i:08d}",
        consent_version="v1",
        opted_in=True,
        signed_at=NOW + timedelta(seconds=i),
    )


async def fill(store: SqliteStore, n: int) -> None:
    for start in range(0, n, 5000):
        async with store.transaction():
            await asyncio.gather(
                *(store.add_signature(signature(i)) for i in range(start, min(n, start + 5000)))
            )


async def broadcast(store: SqliteStore, times: int) -> None:
    """``times`` broadcasts to every signer, each over (cancelled: its rows stay)."""
    for _ in range(times):
        draft = await store.create_broadcast("p", "News", "bench:1", ("bench", "1"), NOW)
        await store.confirm_broadcast(draft.id, [], NOW)
        await store.cancel_broadcast(draft.id, NOW)


async def withdrawals(store: SqliteStore, ids: list[int]) -> list[float]:
    """Seconds per withdrawal, each until a later write returns (after its checkpoint)."""
    times = []
    for signature_id in ids:
        started = time.perf_counter()
        assert await store.withdraw(signature_id, NOW)
        await store.delete_conversation("bench", "none")
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"mean {statistics.mean(times) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


async def main(n: int, k: int, broadcasts: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        store = await SqliteStore.open(Path(folder) / "bench.db")
        try:
            started = time.perf_counter()
            await fill(store, n)
            print(f"stored {n:,} signatures in {time.perf_counter() - started:.1f} s")
            await broadcast(store, broadcasts)
            if broadcasts:
                print(f"{broadcasts} finished broadcasts: {broadcasts * n:,} delivery rows")
            with_checkpoint = await withdrawals(store, list(range(1, k + 1)))
            writer = store._writer
            checkpoint = writer.checkpoint_soon
            writer.checkpoint_soon = lambda: None  # type: ignore[method-assign]  # bench: the cost without it
            without = await withdrawals(store, list(range(k + 1, 2 * k + 1)))
            writer.checkpoint_soon = checkpoint  # type: ignore[method-assign]  # bench: restored
            print(f"withdrawal with its WAL checkpoint ({k}): {summary(with_checkpoint)}")
            print(f"withdrawal without a checkpoint ({k}): {summary(without)}")
            before = (await store.count("p"), await store.stats("p", NOW.date(), 7))
            started = time.perf_counter()
            would = await store.anonymise_petition("p", NOW, dry_run=True)
            print(f"purge dry run: {would:,} signatures in {time.perf_counter() - started:.3f} s")
            started = time.perf_counter()
            done = await store.anonymise_petition("p", NOW)
            await store.delete_conversation("bench", "none")  # after the checkpoint
            print(f"purge: {done:,} signatures anonymised in {time.perf_counter() - started:.2f} s")
            after = (await store.count("p"), await store.stats("p", NOW.date(), 7))
        finally:
            await store.close()
    if before != after or not would == done == n:
        print("counts changed, or not every signature was anonymised", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signatures", type=int, default=100_000)
    parser.add_argument("--withdrawals", type=int, default=200)
    parser.add_argument("--broadcasts", type=int, default=0)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.signatures, args.withdrawals, args.broadcasts)))
