"""A broadcast shared by two dispatcher processes on one PostgreSQL database, at one limit.

What it measures: ``--people`` opted-in signers, one broadcast confirmed, two processes
delivering it (`run --only dispatcher`'s core, with a sender that records the moment of every
send), each pacing at its share (``[broadcasts] dispatchers = 2``) of ``--rate``. It prints
the achieved rate, the most sends in any one-second window (must not exceed the limit) and
the people messaged twice (must be 0); it exits non-zero when either fails.

    .venv/bin/python bench/broadcast_dispatchers.py \\
        --store postgresql://postgres@127.0.0.1/postgres [--people 5000] [--rate 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import time
from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bots.config import load_config
from bots.runtime import build_runtime
from core.broadcasts.models import BroadcastStatus
from core.delivery import DeliveryResult
from core.messages import Outbound
from storage import PostgresStore

CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"
DISPATCHERS = 2


class TimedSender:
    """Delivers at once; appends ``address time`` per send to a file (survives a crash)."""

    platform = "telegram"

    def __init__(self, log: str) -> None:
        self._log = log

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        line = f"{user_id} {time.time():.6f}\n".encode()
        descriptor = os.open(self._log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(descriptor, line)
        os.close(descriptor)
        return DeliveryResult.delivered("1")

    async def send_to_chat(self, chat_id: str, message: Outbound) -> DeliveryResult:
        return DeliveryResult.delivered("1")

    async def edit_in_chat(self, chat_id: str, message_id: str, m: Outbound) -> DeliveryResult:
        return DeliveryResult.delivered(message_id)


async def dispatcher(url: str, rate: float, log: str) -> None:
    config = load_config(CONFIG)
    broadcasts = config.broadcasts.model_copy(
        update={"rates": {"telegram": rate}, "dispatchers": DISPATCHERS}
    )
    config = config.model_copy(update={"broadcasts": broadcasts})
    store = await PostgresStore.open(url)
    runtime = build_runtime(config, store)
    runtime.core.deliveries.start(TimedSender(log))  # type: ignore[arg-type]  # a test sender
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await runtime.close()


async def prepare(server: str, people: int) -> tuple[str, int]:
    name = f"petition_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(server)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    await (await PostgresStore.open(url)).close()
    connection = await asyncpg.connect(url)
    now = datetime.now(UTC)
    await connection.copy_records_to_table(
        "signatures",
        records=[("p", "telegram", str(i), f"r_{i}", True, now, now.date()) for i in range(people)],
        columns=[
            "petition",
            "platform",
            "user_id",
            "ref_code",
            "opted_in",
            "signed_at",
            "signed_day",
        ],
    )
    await connection.close()
    store = await PostgresStore.open(url)
    draft = await store.create_broadcast("p", "News!", "telegram:1", ("telegram", "1"), now)
    await store.close()
    return url, draft.id


def read_sends(logs: list[str]) -> list[list[str]]:
    """(address, time) of every send, from every dispatcher's file."""
    return [line.split() for log in logs for line in Path(log).read_text().splitlines()]


def most_in_one_second(moments: list[float]) -> int:
    ordered = sorted(moments)
    return max(bisect_right(ordered, t + 1.0, lo=i) - i for i, t in enumerate(ordered))


async def main(args: argparse.Namespace) -> int:
    url, broadcast_id = await prepare(args.store, args.people)
    try:
        with TemporaryDirectory() as folder:
            logs = [str(Path(folder) / f"d{n}.log") for n in range(DISPATCHERS)]
            processes = [
                subprocess.Popen(  # noqa: ASYNC220 (the parent only waits meanwhile)
                    [
                        sys.executable,
                        __file__,
                        "--dispatch",
                        url,
                        "--rate",
                        str(args.rate),
                        "--log",
                        log,
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for log in logs
            ]
            for process in processes:
                assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            store = await PostgresStore.open(url)
            await store.confirm_broadcast(broadcast_id, [], datetime.now(UTC))
            while (await store.get_broadcast(broadcast_id)).status is BroadcastStatus.SENDING:  # type: ignore[union-attr]  # noqa: ASYNC110 (another process's progress)
                await asyncio.sleep(0.2)
            totals = await store.totals(broadcast_id)
            await store.close()
            for process in processes:
                process.communicate("\n", timeout=60)
            sends = read_sends(logs)
    finally:
        connection = await asyncpg.connect(args.store)
        name = urlsplit(url).path.strip("/")
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
    moments = [float(at) for _, at in sends]
    twice = sum(1 for n in Counter(a for a, _ in sends).values() if n > 1)
    achieved = len(sends) / (max(moments) - min(moments))
    peak = most_in_one_second(moments)
    rows = [
        ("people", f"{args.people}"),
        ("dispatchers", f"{DISPATCHERS}"),
        ("shared limit /s", f"{args.rate:.0f}"),
        ("sent", f"{len(sends)}"),
        ("delivered (store)", f"{totals['delivered']}"),
        ("achieved /s", f"{achieved:.0f}"),
        ("most in one second", f"{peak}"),
        ("messaged twice", f"{twice}"),
    ]
    for name, value in rows:
        print(f"{name:<20}{value:>10}")
    ok = peak <= args.rate and twice == 0 and len(sends) == args.people
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="a postgresql:// server URL")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--dispatch", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.dispatch:
        asyncio.run(dispatcher(arguments.dispatch, arguments.rate, arguments.log))
        sys.exit(0)
    sys.exit(asyncio.run(main(arguments)))
