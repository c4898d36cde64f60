"""Telegram updates/s: many people signing at once through the real adapter, and the ceiling.

What it measures: N simulated Telegram users each hold the whole signing conversation of the
example petition (/sign, "yes" button, name, email, ZIP, "updates" button, "sign" button:
7 updates, 4 messages and 3 presses, each answered by exactly one bot message) against the
local fake Bot API server (``tests/fakes/telegram_api.py``), through the real
python-telegram-bot Application that ``bots.telegram_bot.create_application`` builds: long
polling, de-duplication, per-user ordering, the core, a durable SQLite store, HTML rendering,
answered buttons. Each user sends an update only once the bot answered the previous one, as
a person would; every conversation must end signed and the store must count N signatures.

The same run sends the same load (same users, same 7 updates in the same order) through a
minimal echo bot on the same library, server and concurrency setting: it answers each
message with its text and each press with an answer plus one message, and stores nothing:
the framework's own ceiling. ``ratio`` = adapter updates/s ÷ echo updates/s (target ≥ 0.7).
Latency runs from queuing an update on the server to the bot's reply arriving there (the
long poll included). Server, users and bot share this one process and CPU core, and the
server answers instantly, so the figures compare the two bots; they are not Telegram's.

    .venv/bin/python bench/telegram_updates.py [--signers 1000] [--concurrency 16] [--repeat 1]

Exit status 0 when the ratio (median over the rounds) reaches the target, 1 otherwise or
when any conversation went wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fake Bot API server lives with the tests
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Update  # noqa: E402 - after the environment opt-in above
from telegram.ext import (  # noqa: E402 - after the environment opt-in above
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bots.config import parse_config  # noqa: E402 - after sys.path is set above
from bots.runtime import open_runtime  # noqa: E402 - after sys.path is set above
from bots.telegram.ordering import CONCURRENT_UPDATES  # noqa: E402 - after sys.path is set above
from bots.telegram_bot import create_application, running  # noqa: E402 - after sys.path is set above
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage  # noqa: E402 - after sys.path is set above

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
UPDATES_PER_SIGNER = 7
TARGET = 0.7
FIRST_USER = 10_000_000


class BenchServer(FakeTelegramServer):
    """The fake server, telling each simulated user directly when the bot answered them.

    The fake's own ``wait_for_message`` re-checks every waiter on every change, which is
    quadratic with a thousand users waiting; here a reply resolves one future.
    """

    def __init__(self) -> None:
        super().__init__(token=TOKEN, username="petition_bench_bot")
        self._waiting: dict[int, asyncio.Future[SentMessage]] = {}

    def expect_reply(self, chat_id: int) -> asyncio.Future[SentMessage]:
        future = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = future
        return future

    def _store(self, chat_id: int, *args: object, **kwargs: object) -> dict:
        message = super()._store(chat_id, *args, **kwargs)  # type: ignore[arg-type]  # the fake's store takes loosely typed fields
        future = self._waiting.pop(chat_id, None)
        if future is not None and not future.done():
            future.set_result(self._sent[chat_id][-1])
        return message


class ConversationBroke(RuntimeError):
    """The bot did not answer what the signing conversation should have."""


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds, one per update
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0


class SimulatedUser:
    """One person in a private chat: sends, waits for the answer, measures."""

    def __init__(self, server: BenchServer, user_id: int, results: Results) -> None:
        self.server = server
        self.user = server.user(user_id, f"Signer{user_id}")
        self.id = user_id
        self.results = results

    async def _round_trip(self, enqueue: Callable[[], object]) -> SentMessage:
        reply = self.server.expect_reply(self.id)
        start = time.perf_counter()
        enqueue()
        message = await asyncio.wait_for(reply, 60)
        self.results.latencies.append(time.perf_counter() - start)
        return message

    async def say(self, text: str) -> SentMessage:
        return await self._round_trip(lambda: self.server.send_text(self.user, text))

    async def press(self, message: SentMessage, data: str) -> SentMessage:
        return await self._round_trip(
            lambda: self.server.press_button(self.user, message, data, check=False)
        )


def button(message: SentMessage, label: str) -> str:
    for text, data in message.buttons:
        if text.startswith(label) and data:
            return data
    raise ConversationBroke(f"no {label!r} button under {message.plain[:50]!r}")


async def sign(person: SimulatedUser) -> None:
    """The adapter's conversation, each answer checked before the next update."""
    n = person.id
    confirm = await person.say("/sign")
    asked_name = await person.press(confirm, button(confirm, "Yes, I want to sign"))
    if "full name" not in asked_name.plain:
        raise ConversationBroke(f"expected the name question, got {asked_name.plain[:50]!r}")
    await person.say(f"Signer Number{n}")
    await person.say(f"signer{n}@example.org")
    consent = await person.say("12345")
    summary = await person.press(consent, button(consent, "Yes, keep me posted"))
    thanks = await person.press(summary, button(summary, "✅ Sign"))
    if "Thank you, Signer!" not in thanks.plain:
        raise ConversationBroke(f"not thanked: {thanks.plain[:60]!r}")


async def echo_load(person: SimulatedUser) -> None:
    """The same 7 updates for the echo bot: 4 messages, 3 presses in the adapter's order."""
    last = await person.say("/sign")
    last = await person.press(last, "e:yes")
    for text in (f"Signer Number{person.id}", f"signer{person.id}@example.org", "12345"):
        last = await person.say(text)
    last = await person.press(last, "e:optin")
    await person.press(last, "e:confirm")


async def drive(
    server: BenchServer, signers: int, script: Callable[[SimulatedUser], Awaitable[None]]
) -> Results:
    """Every simulated user runs ``script`` at the same time; the clock covers them all."""
    results = Results()

    async def one(user_id: int) -> None:
        try:
            await script(SimulatedUser(server, user_id, results))
        except (ConversationBroke, TimeoutError) as exc:
            results.failures.append(f"user {user_id}: {exc!r}")

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for i in range(signers):
            group.create_task(one(FIRST_USER + i))
    results.wall = time.perf_counter() - start
    return results


# ---- the two bots --------------------------------------------------------------------------


async def _echo_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


async def _echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    await context.bot.send_message(query.message.chat.id, query.data)


def echo_bot(server: BenchServer, concurrency: int) -> Application:
    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .concurrent_updates(concurrency)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, _echo_text))
    application.add_handler(CallbackQueryHandler(_echo_press))
    return application


async def run_echo(signers: int, concurrency: int) -> Results:
    async with BenchServer() as server:
        application = echo_bot(server, concurrency)
        async with application:
            await application.start()
            await application.updater.start_polling(timeout=10, drop_pending_updates=False)
            try:
                return await drive(server, signers, echo_load)
            finally:
                await application.updater.stop()
                await application.stop()


async def run_adapter(signers: int, concurrency: int, directory: Path) -> tuple[Results, int]:
    with (ROOT / "config.example.toml").open("rb") as handle:
        data = tomllib.load(handle)
    async with BenchServer() as server:
        data["storage"] = {"url": f"sqlite:///{directory / f'bench-{time.time_ns()}.db'}"}
        data["telegram"] = {
            "enabled": True,
            "base_url": server.base_url,
            "concurrent_updates": concurrency,
        }
        os.environ["TELEGRAM_BOT_TOKEN"] = TOKEN
        runtime = await open_runtime(parse_config(data))
        try:
            async with running(create_application(runtime)):
                results = await drive(server, signers, sign)
                bot = runtime.core
                counted = await bot.store.count(bot.campaign.default_petition.slug)
        finally:
            await runtime.close()
    return results, counted


# ---- report ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def row(name: str, results: Results) -> str:
    ms = [s * 1000 for s in results.latencies]
    rate = len(ms) / results.wall
    return (
        f"{name:<8} {len(ms):>8} {results.wall:>8.2f} {rate:>10.0f} "
        f"{statistics.median(ms):>8.1f} {percentile(ms, 99):>8.1f} {max(ms):>8.1f}"
    )


async def main(args: argparse.Namespace) -> int:
    print(f"{args.signers} signers × {UPDATES_PER_SIGNER} updates, concurrency {args.concurrency}")
    print(f"{'bot':<8} {'updates':>8} {'seconds':>8} {'updates/s':>10} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")  # fmt: skip
    ratios, problems = [], []
    with tempfile.TemporaryDirectory(prefix="telegram-bench-") as directory:
        for _ in range(args.repeat):
            echo = await run_echo(args.signers, args.concurrency)
            adapter, counted = await run_adapter(args.signers, args.concurrency, Path(directory))
            print(row("echo", echo))
            print(row("adapter", adapter))
            rates = [len(r.latencies) / r.wall for r in (adapter, echo)]
            ratios.append(rates[0] / rates[1])
            problems += echo.failures + adapter.failures
            if counted != args.signers:
                problems.append(f"store.count={counted}, expected {args.signers}")
    ratio = statistics.median(ratios)
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"ratio adapter/echo updates/s: {ratio:.3f} (target >= {TARGET:.2f}: {verdict})")
    if problems:
        print(f"FAILED: {len(problems)} problems, e.g. {problems[:3]}", file=sys.stderr)
        return 1
    print(f"OK: every conversation ended signed; {args.signers} signatures counted per run")
    return 0 if ratio >= TARGET else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signers", type=int, default=1000, help="simulated users (1000)")
    parser.add_argument("--repeat", type=int, default=1, help="echo+adapter rounds (1)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENT_UPDATES,
        help=f"updates handled at once, by both bots (default {CONCURRENT_UPDATES}, the adapter's)",
    )
    args = parser.parse_args()
    if min(args.signers, args.repeat, args.concurrency) < 1:
        parser.error("--signers, --repeat and --concurrency must be >= 1")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
