"""End-to-end signing throughput: N signers sign at once through the real bot and store.

What it measures: N simulated supporters each hold the whole signing conversation of the
example petition (/sign → "yes" → name → email → ZIP → updates yes → confirm: 7 messages)
through ``PetitionBot.handle`` on a production-durability ``SqliteStore`` (WAL,
``synchronous=FULL``, group commit). Every message needs a durable write, so the ceiling is
the disk's flush rate; the same run therefore measures that physical reference too: raw
stdlib ``sqlite3`` committing one small row per transaction on a fresh file in the same
directory with the same pragmas. ``ratio`` = end-to-end messages/s ÷ raw commits/s tells
how much of the disk the bot turns into conversation (group commit can push it above 1).

Why: a campaign launch sends thousands of people to the bot within minutes; this shows
whether the bot keeps up, and the final count check proves that what was measured was
real work: the store must hold exactly N signatures, or the benchmark exits non-zero.

    .venv/bin/python bench/sign_throughput.py [--signers 10000] [--concurrency N] [--db PATH]
        [--confirm-email]

``--confirm-email`` turns on email confirmation: each code is mailed with aiosmtplib to a
local aiosmtpd server in this process, read from the mail it received, and typed back (one
more message per signer); the count check then needs every signature confirmed.

On PostgreSQL (several bot processes on one database), for each number of processes in turn
on a fresh database of the server the URL names, and beside it the same signers on SQLite in
one process:

    .venv/bin/python bench/sign_throughput.py --store postgresql://postgres@127.0.0.1/postgres \
        --processes 1,2,4 [--signers 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from bots.config import EmailSettings, load_config
from bots.console import CAPABILITIES
from bots.mail import SmtpMailer
from core.bot import PetitionBot
from core.config import FieldName, PetitionConfig
from core.messages import Inbound, InboundKind, Outbound
from core.prompts import field_key
from storage import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sign_scaling as scaling

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.example.toml"
PLATFORM = "console"
MESSAGES_PER_SIGNER = 7
RAW_SECONDS = 2.0
RAW_MAX_ROWS = 10_000
RATIO_TARGET = 0.3


class ConversationBroke(RuntimeError):
    """A reply was not what the signing conversation should have answered."""


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds, one per message
    failures: list[str] = field(default_factory=list)  # one line per signer that went wrong


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signers", type=int, default=10_000, help="signers (default 10000)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="signers in conversation at the same time (default: all of them)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="database file to create (must not exist; default: in a fresh temp directory)",
    )
    parser.add_argument(
        "--confirm-email",
        action="store_true",
        help="confirm each signature by its emailed code (aiosmtpd on 127.0.0.1)",
    )
    parser.add_argument(
        "--store", default=None, help="a postgresql:// server URL (default: SQLite only)"
    )
    parser.add_argument(
        "--processes", default="1", help="numbers of bot processes to measure, e.g. 1,2,4"
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # "index/of"
    args = parser.parse_args()
    args.processes = [int(n) for n in str(args.processes).split(",")]
    if args.signers < 1:
        parser.error("--signers must be >= 1")
    if args.concurrency is None:
        args.concurrency = args.signers
    if args.concurrency < 1:
        parser.error("--concurrency must be >= 1")
    if args.db is not None and args.db.exists():
        parser.error(f"--db {args.db} exists: the count check needs a new, empty database")
    return args


def raw_commits_per_second(directory: Path) -> tuple[int, float]:
    """Physical reference: one small row per durable transaction, stdlib sqlite3, same pragmas."""
    path = directory / "raw-reference.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
        rows = 0
        start = time.perf_counter()
        while rows < RAW_MAX_ROWS and time.perf_counter() - start < RAW_SECONDS:
            db.execute("BEGIN")
            db.execute("INSERT INTO rows (value) VALUES (?)", (f"row {rows}",))
            db.execute("COMMIT")
            rows += 1
        elapsed = time.perf_counter() - start
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return rows, rows / elapsed


def press(replies: list[Outbound], action: str) -> str:
    """The data of the button whose action is ``action`` (button data is ``<nonce>:<action>``)."""
    for reply in replies:
        for row in reply.choices:
            for choice in row:
                if choice.data.partition(":")[2] == action:
                    return choice.data
    raise ConversationBroke(f"no {action!r} button in the reply: {describe(replies)}")


def expect(replies: list[Outbound], text: str) -> None:
    """The bot answered with exactly one message, the one the conversation must ask next."""
    if len(replies) != 1 or replies[0].text.to_plain_text() != text:
        raise ConversationBroke(f"expected {text[:40]!r}, got {describe(replies)}")


def describe(replies: list[Outbound]) -> str:
    texts = [reply.text.to_plain_text()[:60] for reply in replies]
    buttons = [c.data.partition(":")[2] for r in replies for row in r.choices for c in row]
    return f"{texts} buttons={buttons}"


def prompts(bot: PetitionBot, petition: PetitionConfig) -> dict[str, str]:
    """The plain text of the questions the conversation asks, as the catalog words them."""
    keys = {"ask_name": "ask_name", "ask_email": "ask_email", "ask_updates": "ask_updates"}
    # A US petition asks for a ZIP code.
    keys["ask_postal_code"] = field_key("ask", FieldName.POSTAL_CODE, petition.country)
    return {
        name: bot.catalog.render(key, None, petition.messages).to_plain_text()
        for name, key in keys.items()
    }


class CodeInbox:
    """aiosmtpd's handler: the latest code mailed to each address."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content)
        self.codes[str(mail["To"])] = re.findall(r"\b\d{6}\b", str(mail.get_payload()))[0]
        return "250 OK"


async def sign_one(
    bot: PetitionBot,
    asks: dict[str, str],
    i: int,
    gate: asyncio.Semaphore,
    results: Results,
    inbox: CodeInbox | None = None,
) -> None:
    """One signer's whole conversation; every reply is checked before the next message."""
    base = {"platform": PLATFORM, "user_id": f"signer{i}", "chat_id": f"signer{i}"}

    async def send(kind: InboundKind, text: str = "", command: str | None = None) -> list[Outbound]:
        inbound = Inbound(kind=kind, text=text, command=command, **base)
        start = time.perf_counter()
        replies = await bot.handle(inbound, CAPABILITIES)
        results.latencies.append(time.perf_counter() - start)
        return replies

    async with gate:
        try:
            replies = await send(InboundKind.COMMAND, command="sign")
            replies = await send(InboundKind.CHOICE, press(replies, "yes"))
            expect(replies, asks["ask_name"])
            replies = await send(InboundKind.TEXT, f"Signer Number{i}")
            expect(replies, asks["ask_email"])
            replies = await send(InboundKind.TEXT, f"signer{i}@example.org")
            expect(replies, asks["ask_postal_code"])
            replies = await send(InboundKind.TEXT, "12345")
            expect(replies, asks["ask_updates"])
            replies = await send(InboundKind.CHOICE, press(replies, "optin:1"))
            replies = await send(InboundKind.CHOICE, press(replies, "confirm"))
            # the thanks names the signer and has no buttons; any question has some
            if len(replies) != 1 or "Signer" not in replies[0].text.to_plain_text():
                raise ConversationBroke(f"not thanked: {describe(replies)}")
            if inbox is None and replies[0].choices:
                raise ConversationBroke(f"not thanked: {describe(replies)}")
            if inbox is not None:
                code = inbox.codes.get(f"signer{i}@example.org")
                if code is None:
                    raise ConversationBroke("no code was mailed")
                replies = await send(InboundKind.TEXT, code)
                if "Confirmed" not in replies[0].text.to_plain_text():
                    raise ConversationBroke(f"not confirmed: {describe(replies)}")
        except ConversationBroke as exc:
            results.failures.append(f"signer{i}: {exc}")


def count_rows(path: Path, petition: str) -> int:
    """Active signatures counted row by row, independently of the store's counters."""
    db = sqlite3.connect(path)
    try:
        (n,) = db.execute(
            "SELECT count(*) FROM signatures WHERE petition = ? AND withdrawn_at IS NULL",
            (petition,),
        ).fetchone()
    finally:
        db.close()
    return n


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


async def sqlite_figures(args: argparse.Namespace) -> tuple[float, float, list[float]]:
    """One SQLite process: (wall seconds, messages, latencies) for the comparison table."""
    with tempfile.TemporaryDirectory(prefix="sign-bench-") as directory:
        campaign = load_config(CONFIG).campaign
        store = await SqliteStore.open(Path(directory) / "bench.db")
        bot = PetitionBot(campaign, store)
        asks = prompts(bot, campaign.default_petition)
        gate = asyncio.Semaphore(args.concurrency)
        results = Results()
        try:
            start = time.perf_counter()
            async with asyncio.TaskGroup() as group:
                for i in range(args.signers):
                    group.create_task(sign_one(bot, asks, i, gate, results))
            wall = time.perf_counter() - start
            if (
                results.failures
                or await store.count(campaign.default_petition.slug) != args.signers
            ):
                raise ConversationBroke(f"SQLite run failed: {results.failures[:3]}")
        finally:
            await store.close()
    return wall, len(results.latencies), results.latencies


async def run(args: argparse.Namespace, db_path: Path) -> int:
    raw_rows, raw_rate = raw_commits_per_second(db_path.parent)

    campaign = load_config(CONFIG).campaign
    inbox: CodeInbox | None = None
    mailer: SmtpMailer | None = None
    smtp: Controller | None = None
    if args.confirm_email:
        petitions = tuple(p.model_copy(update={"confirm_email": True}) for p in campaign.petitions)
        campaign = campaign.model_copy(update={"petitions": petitions})
        inbox = CodeInbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        smtp = Controller(inbox, hostname="127.0.0.1", port=port)
        smtp.start()
        mailer = SmtpMailer(EmailSettings(host="127.0.0.1", port=port, tls="none"), None)
    store = await SqliteStore.open(db_path)
    bot = PetitionBot(campaign, store, mailer=mailer)
    petition = campaign.default_petition.slug
    asks = prompts(bot, campaign.default_petition)
    gate = asyncio.Semaphore(args.concurrency)
    results = Results()
    try:
        start = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for i in range(args.signers):
                group.create_task(sign_one(bot, asks, i, gate, results, inbox))
        wall = time.perf_counter() - start
        counted = await store.count(petition)
    finally:
        await bot.confirmation.stop()
        await store.close()
        if smtp is not None:
            smtp.stop()
    rows = count_rows(db_path, petition)

    messages = len(results.latencies)
    latencies_ms = [s * 1000 for s in results.latencies]
    ratio = messages / wall / raw_rate
    table = [
        ("confirm email", "yes" if args.confirm_email else "no"),
        ("signers", f"{args.signers}"),
        ("concurrency", f"{args.concurrency}"),
        ("messages", f"{messages}"),
        ("wall seconds", f"{wall:.2f}"),
        ("signatures/s", f"{args.signers / wall:.0f}"),
        ("messages/s", f"{messages / wall:.0f}"),
        ("latency p50 (ms)", f"{statistics.median(latencies_ms):.1f}"),
        ("latency p99 (ms)", f"{percentile(latencies_ms, 99):.1f}"),
        ("latency max (ms)", f"{max(latencies_ms):.1f}"),
        ("raw sqlite3 commits", f"{raw_rows}"),
        ("raw commits/s", f"{raw_rate:.0f}"),
        ("ratio (msg/s ÷ raw commits/s)", f"{ratio:.2f}"),
        (f"ratio target >= {RATIO_TARGET}", "met" if ratio >= RATIO_TARGET else "missed"),
        ("store.count", f"{counted}"),
        ("signature rows", f"{rows}"),
    ]
    width = max(len(name) for name, _ in table)
    for name, value in table:
        print(f"{name:<{width}}  {value:>10}")

    expected_messages = (MESSAGES_PER_SIGNER + args.confirm_email) * args.signers
    if results.failures or counted != args.signers or rows != args.signers:
        print(
            f"FAILED: {len(results.failures)} conversations went wrong; expected {args.signers}"
            f" signatures and {expected_messages} messages, got store.count={counted},"
            f" rows={rows}, messages={messages}",
            file=sys.stderr,
        )
        for line in results.failures[:5]:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"OK: {counted} signatures stored and counted")
    return 0


def main() -> int:
    args = parse_args()
    if args.worker is not None:
        return asyncio.run(scaling.worker(args, sign_one, prompts))
    if args.store is not None:
        return asyncio.run(scaling.compare(args, sqlite_figures))
    if args.db is not None:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        return asyncio.run(run(args, args.db))
    with tempfile.TemporaryDirectory(prefix="sign-bench-") as directory:
        return asyncio.run(run(args, Path(directory) / "bench.db"))


if __name__ == "__main__":
    sys.exit(main())
