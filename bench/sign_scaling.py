"""The PostgreSQL half of bench/sign_throughput.py: N bot processes signing on one database.

Each process (``--worker k/N``) opens its own `PostgresStore` and core, says ``ready``, waits
for ``go`` on its standard input (so all start together) and holds the signing conversation
of every N-th signer; the parent times from ``go`` to the last process's answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bots.config import load_config
from core.bot import PetitionBot
from storage import PostgresStore

CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"
SCRIPT = Path(__file__).resolve().parent / "sign_throughput.py"
TARGET_SCALING = 1.5  # 2 processes ÷ 1 process
TARGET_VS_SQLITE = 0.7  # 1 PostgreSQL process ÷ 1 SQLite process


async def worker(args: argparse.Namespace, sign_one: Callable[..., Any], prompts: Any) -> int:
    index, of = (int(n) for n in args.worker.split("/"))
    campaign = load_config(CONFIG).campaign
    store = await PostgresStore.open(args.store)
    bot = PetitionBot(campaign, store)
    asks = prompts(bot, campaign.default_petition)
    from sign_throughput import Results  # the script's own module, already imported

    results = Results()
    gate = asyncio.Semaphore(max(1, args.concurrency // of))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    try:
        async with asyncio.TaskGroup() as group:
            for i in range(index, args.signers, of):
                group.create_task(sign_one(bot, asks, i, gate, results))
    finally:
        await store.close()
    print(json.dumps({"latencies": results.latencies, "failures": results.failures}), flush=True)
    return 0


async def _database(server: str) -> str:
    name = f"petition_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(server)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


async def _drop(server: str, database: str) -> None:
    connection = await asyncpg.connect(server)
    name = urlsplit(database).path.strip("/")
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


async def _postgres(args: argparse.Namespace, processes: int) -> tuple[float, list[float], int]:
    database = await _database(args.store)
    try:
        await (await PostgresStore.open(database)).close()  # migrated before the clock starts
        workers = [
            subprocess.Popen(  # noqa: ASYNC220 (the parent only waits meanwhile)
                [
                    sys.executable,
                    str(SCRIPT),
                    "--worker",
                    f"{k}/{processes}",
                    "--store",
                    database,
                    "--signers",
                    str(args.signers),
                    "--concurrency",
                    str(args.concurrency),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for k in range(processes)
        ]
        for process in workers:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        start = time.perf_counter()
        for process in workers:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outcomes = [json.loads(p.communicate()[0]) for p in workers]
        wall = time.perf_counter() - start
        failures = [f for outcome in outcomes for f in outcome["failures"]]
        latencies = [s for outcome in outcomes for s in outcome["latencies"]]
        connection = await asyncpg.connect(database)
        rows = await connection.fetchval(
            "SELECT count(*) FROM signatures WHERE withdrawn_at IS NULL"
        )
        counted = await connection.fetchval("SELECT sum(n) FROM tallies WHERE dimension = 'total'")
        await connection.close()
        if failures or rows != args.signers or counted != args.signers:
            print(f"FAILED: {failures[:3]} rows={rows} count={counted}", file=sys.stderr)
            return wall, latencies, 1
        return wall, latencies, 0
    finally:
        await _drop(args.store, database)


def _row(name: str, signers: int, wall: float, latencies: list[float]) -> list[str]:
    ms = sorted(s * 1000 for s in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
    return [
        name,
        f"{signers / wall:.0f}",
        f"{len(latencies) / wall:.0f}",
        f"{statistics.median(ms):.1f}",
        f"{p99:.1f}",
    ]


async def compare(
    args: argparse.Namespace,
    sqlite_figures: Callable[[argparse.Namespace], Awaitable[tuple[float, float, list[float]]]],
) -> int:
    wall, _, latencies = await sqlite_figures(args)
    rows = [_row("sqlite, 1 process", args.signers, wall, latencies)]
    rates: dict[str, float] = {"sqlite": args.signers / wall}
    failed = 0
    for processes in args.processes:
        wall, latencies, status = await _postgres(args, processes)
        failed |= status
        rows.append(_row(f"postgresql, {processes} processes", args.signers, wall, latencies))
        rates[str(processes)] = args.signers / wall
    header = ["store", "signatures/s", "messages/s", "p50 ms", "p99 ms"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    if "1" in rates:
        versus = rates["1"] / rates["sqlite"]
        met = "met" if versus >= TARGET_VS_SQLITE else "missed"
        print(f"postgresql 1 ÷ sqlite 1: {versus:.2f} (target >= {TARGET_VS_SQLITE}: {met})")
        if "2" in rates:
            scaling = rates["2"] / rates["1"]
            met = "met" if scaling >= TARGET_SCALING else "missed"
            print(f"postgresql 2 ÷ 1 process: {scaling:.2f} (target >= {TARGET_SCALING}: {met})")
    print("OK: every run stored and counted exactly its signatures" if not failed else "FAILED")
    return failed
