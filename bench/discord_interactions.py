"""Discord interactions: concurrent members sign through the modal on a simulated Discord.

What it measures: U members of one server each complete the modal signing of the example
petition through the real discord.py client, the real adapter, the core and a
production-durability ``SqliteStore`` (WAL, ``synchronous=FULL``), on SimCord's simulated
Discord: ``/sign`` → "Yes, I want to sign" (the modal opens) → submit the modal → "Yes, keep
me posted" → "✅ Sign", 5 interactions each. All members act at once: each step is a wave of
U interactions created together, then answered concurrently by the bot. Every member must
end with the thanks and the store must count U signatures, or the script stops.

Beside it, in the same run and driven the same way:

- the ceiling: a minimal discord.py bot sending exactly the adapter's answers (captured from
  one real signing) with nothing behind them, no core and no store: what the platform costs;
- "adapter, no core": the real adapter with the core's answer to each step replayed, which
  separates the adapter's own cost from the core's and the store's.

``ratio`` = the adapter's interactions/s ÷ the ceiling's; the target is at least 0.7 (exit 0
when met, 1 otherwise). Latency is the time from an interaction's creation to its first
callback (what Discord's 3-second deadline is about), p50 and p99 over all interactions.
SimCord runs one interaction at a time through its public actors, so the waves are built
with its actors while their wait for the bot is skipped, then one wait covers the wave (this
uses a SimCord internal; see `wave`).

    .venv/bin/python bench/discord_interactions.py [--users 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import tomllib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import simcord
from discord import app_commands

from bots.config import BUNDLED_EXAMPLE, AppConfig, parse_config
from bots.discord_bot import DiscordPetitionBot, create_bot
from bots.runtime import build_runtime
from core.messages import Capabilities, Inbound, Outbound
from storage import SqliteStore

SLUG = "dont-run-joe"
STEPS = 5
TARGET_RATIO = 0.7


@dataclass
class Run:
    """One bot's figures: all interactions, wall time, ack latencies (seconds)."""

    name: str
    interactions: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.interactions / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class StampedRequests(list):  # type: ignore[type-arg]  # SimCord's log is an untyped list
    """SimCord's request log, noting when each interaction got its first callback."""

    def __init__(self) -> None:
        super().__init__()
        self.acks: dict[int, float] = {}

    def append(self, entry: Any) -> None:
        if entry.method == "POST" and entry.path.endswith("/callback"):
            self.acks.setdefault(int(entry.path.split("/")[2]), time.perf_counter())
        super().append(entry)


@contextlib.contextmanager
def wave(env: simcord.Env) -> Iterator[None]:
    """Actors create their interactions without waiting for the bot after each one."""
    settle = env._settle_internal  # SimCord internals: the wait every actor verb ends with

    async def later(**_: Any) -> None:
        return None

    env._settle_internal = later  # type: ignore[method-assign]  # SimCord internals, to send a wave at once
    try:
        yield
    finally:
        env._settle_internal = settle  # type: ignore[method-assign]  # SimCord internals, restored


async def drive(env: simcord.Env, users: int, run: Run) -> list[Answer]:
    """Every member signs, step by step, all members at once in each step.

    Returns what the first member got at each step.
    """
    log = StampedRequests()
    env.backend.http_requests = log  # SimCord internals: where every request is logged
    guild = env.create_guild("Campaign HQ")
    channel = guild.create_text_channel("general")
    members = [guild.add_member(env.create_user(f"m{i}")) for i in range(users)]
    forms = [
        {"name": f"Member {i}", "email": f"m{i}@example.org", "postal_code": "12345"}
        for i in range(users)
    ]
    Step = Callable[[int, Any], Awaitable[Any]]
    steps: list[Step] = [
        lambda i, _: members[i].slash(channel, "sign"),
        lambda i, r: members[i].click(r.response, label="Yes, I want to sign"),
        lambda i, r: members[i].submit_modal(r, forms[i]),
        lambda i, r: members[i].click(r.response, label="Yes, keep me posted"),
        lambda i, r: members[i].click(r.response, label="✅ Sign"),
    ]
    results: list[Any] = [None] * users
    first: list[Answer] = []
    started = time.perf_counter()
    for step in steps:
        created: list[float] = []
        with wave(env):
            for i in range(users):
                created.append(time.perf_counter())
                results[i] = await step(i, results[i])
        await env.settle(timeout=300, idle=0.001)
        for i, result in enumerate(results):
            acked = log.acks[result._interaction.id]  # SimCord internals: the interaction id
            run.latencies.append(acked - created[i])
        first.append(Answer.of(results[0]))  # now: later steps edit the same message
    run.seconds += time.perf_counter() - started
    run.interactions += users * STEPS
    last = [r.response.content if r.response else "" for r in results]
    if sum("Thank" in text for text in last) != users:
        raise SystemExit(f"{run.name}: not every member got the thanks: {set(last)}")
    return first


def bench_config(folder: Path) -> AppConfig:
    with BUNDLED_EXAMPLE.open("rb") as handle:
        data = tomllib.load(handle)
    data["storage"] = {"url": f"sqlite:///{folder / 'petition.db'}"}
    data["discord"] = {"enabled": True}
    return parse_config(data)


async def run_adapter(users: int, run: Run, replay: Replay | None = None) -> list[Answer]:
    """The real bot; with ``replay``, the core's answers are replayed instead of computed."""
    with tempfile.TemporaryDirectory() as folder:
        config = bench_config(Path(folder))
        store = await SqliteStore.open(Path(folder) / "petition.db")
        try:
            bot = create_bot(build_runtime(config, store), deliver_broadcasts=False)
            replaying = replay is not None and bool(replay.answers)
            async with simcord.run(bot, settle_timeout=300) as env:
                if replay is not None:
                    replay.take_over(bot)
                first = await drive(env, users, run)
            expected = 0 if replaying else users
            if await store.count(SLUG) != expected:
                raise SystemExit("the adapter did not store one signature per member")
        finally:
            await store.close()
    return first


class Replay:
    """The core's answer to each step, computed once and then replayed: the adapter alone."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, ...], list[Outbound]] = {}

    def take_over(self, bot: DiscordPetitionBot) -> None:
        core = bot.core
        assert core is not None
        handle = core.handle

        async def replayed(inbound: Inbound, caps: Capabilities) -> list[Outbound]:
            step = inbound.text.rpartition(":")[2] if inbound.text else inbound.form_id[:0]
            key = (inbound.kind, inbound.command or "", step, str(bool(inbound.form_id)))
            if key not in self.answers:
                self.answers[key] = await handle(inbound, caps)
            return self.answers[key]

        core.handle = replayed  # type: ignore[method-assign]  # a replaying core, to time the adapter alone


async def run_ceiling(answers: Answers, users: int, run: Run) -> None:
    async with simcord.run(MinimalBot(answers), settle_timeout=300) as env:
        await drive(env, users, run)


@dataclass(frozen=True)
class Answer:
    """What the bot answered at one step: a message's text and buttons, or a modal."""

    content: str = ""
    buttons: tuple[tuple[str, str], ...] = ()  # (label, custom id)
    modal: dict[str, Any] | None = None

    @classmethod
    def of(cls, result: Any) -> Answer:
        if result.modal is not None:
            return cls(modal=result.modal)
        message = result.response
        rows = message.components
        buttons = tuple((c["label"], c["custom_id"]) for row in rows for c in row["components"])
        return cls(content=message.content, buttons=buttons)

    def view(self) -> discord.ui.View | None:
        if not self.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for label, custom_id in self.buttons:
            view.add_item(discord.ui.Button(label=label, custom_id=custom_id))
        view.stop()
        return view

    def build_modal(self) -> discord.ui.Modal:
        assert self.modal is not None
        modal = discord.ui.Modal(title=self.modal["title"], custom_id=self.modal["custom_id"])
        for label in self.modal["components"]:
            spec = label["component"]
            field = discord.ui.TextInput(
                custom_id=spec["custom_id"],
                placeholder=spec.get("placeholder"),
                max_length=spec.get("max_length"),
            )
            modal.add_item(discord.ui.Label(text=label["label"], component=field))
        modal.stop()
        return modal


Answers = list[Answer]


class MinimalBot(discord.Client):
    """The adapter's own answers, replayed with nothing behind them: no core, no store."""

    def __init__(self, answers: Answers) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True, dm_messages=True),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.tree = app_commands.CommandTree(self)
        confirm, self.form, self.consent, self.summary, self.thanks = answers

        @self.tree.command(name="sign", description="Sign the petition")
        async def sign(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(
                confirm.content, view=confirm.view(), ephemeral=True
            )

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        response = interaction.response
        if interaction.type is discord.InteractionType.modal_submit:
            answer = self.consent
            await response.edit_message(content=answer.content, view=answer.view())
        elif custom_id.endswith(":yes"):
            await response.send_modal(self.form.build_modal())
        elif ":optin:" in custom_id:
            answer = self.summary
            await response.edit_message(content=answer.content, view=answer.view())
        elif custom_id.endswith(":confirm"):
            answer = self.thanks
            await response.edit_message(content=answer.content, view=answer.view())


def report(users: int, runs: list[Run]) -> int:
    ceiling, adapter = runs[:2]
    ratio = adapter.per_second / ceiling.per_second
    print(f"{users} members x {STEPS} interactions, all members at once per step")
    for run in runs:
        print(
            f"  {run.name:<16} {run.per_second:6.0f} interactions/s"
            f"  ack p50 {run.percentile(0.5) * 1000:6.1f} ms"
            f"  p99 {run.percentile(0.99) * 1000:6.1f} ms"
            f"  ({run.interactions} in {run.seconds:.2f} s)"
            f"  {run.per_second / ceiling.per_second:.2f} x ceiling"
        )
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"  ratio {ratio:.2f}: the adapter {verdict} the {TARGET_RATIO} target")
    return 0 if ratio >= TARGET_RATIO else 1


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="members signing at once")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of each bot")
    args = parser.parse_args()
    # The ceiling sends exactly what the adapter sends: capture it from one signing.
    answers = await run_adapter(1, Run("capture"))
    replay = Replay()
    await run_adapter(1, Run("warm-up"), replay)  # records the core's answer to each step
    ceiling, adapter = Run("ceiling"), Run("adapter")
    replayed = Run("adapter, no core")
    for _ in range(args.repeat):
        await run_ceiling(answers, args.users, ceiling)
        await run_adapter(args.users, adapter)
        await run_adapter(args.users, replayed, replay)
    return report(args.users, [ceiling, adapter, replayed])


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
