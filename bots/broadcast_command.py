"""`petition-bot broadcast`: an organizer's broadcast from the command line, with a progress bar.

The broadcast is stored and confirmed exactly as from a chat, then delivered by the same
workers the bots run, for every enabled platform whose token is in the environment.
Recipients on other platforms wait, stored, for a running bot of theirs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import sys
from pathlib import Path

from bots.config import AppConfig
from bots.logs import configure_logging
from bots.platforms import available_platforms
from bots.runtime import Runtime, open_runtime
from bots.terminal_input import LineReader
from bots.terminal_progress import progress_bar
from core.bot import utc_now
from core.broadcasts.models import Broadcast
from core.broadcasts.progress import summary_text
from core.catalog import Catalog, language_name
from core.delivery import Sender
from core.errors import MessageTooLong

EXIT_FAILURE, EXIT_USAGE = 1, 2


async def broadcast_command(config: AppConfig, args: argparse.Namespace) -> int:
    """Preview, confirm (``--yes`` or a typed y), deliver with a progress bar, summarise."""
    configure_logging(args.log_level or logging.ERROR)  # the progress bar owns the terminal
    files = {None: args.message_file} | {
        language: path
        for language in sorted(Catalog.load().languages)
        if (path := getattr(args, f"message_file_{language}", None))
    }
    texts: dict[str | None, str] = {}
    for language, name in files.items():
        try:
            texts[language] = Path(name).read_text(encoding="utf-8").strip()  # noqa: ASYNC240 - small files, before anything runs
        except OSError as exc:
            print(f"Cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_USAGE
    text = texts.pop(None)
    translations = {language: t for language, t in texts.items() if language is not None}
    everyone = args.petition == "all"
    petition = None if everyone else config.campaign.petition(args.petition)
    if petition is None and not everyone:
        slugs = ", ".join(p.slug for p in config.petitions)
        print(f"No petition called {args.petition!r}; configured: {slugs}, all", file=sys.stderr)
        return EXIT_USAGE
    runtime = await open_runtime(config)
    desk = runtime.core.desk
    try:
        user = f"cli:{getpass.getuser()}"
        try:
            draft = await desk.draft(petition, text, user, ("cli", user), utc_now(), translations)
        except MessageTooLong as exc:
            print(f"The message can't be sent: {exc}.", file=sys.stderr)
            return EXIT_USAGE
        counts = await desk.audience(draft.petition)
        _print_preview(config, draft, counts)
        if not args.yes and not await _confirmed_by_typing(sum(counts.values())):
            await desk.cancel(draft.id, utc_now())
            print("Not sent.", file=sys.stderr)
            return EXIT_USAGE if not sys.stdin.isatty() else 0
        broadcast = await desk.confirm(draft.id, user, utc_now())
        assert broadcast is not None, "a fresh draft is always confirmable"
        await _deliver(runtime, broadcast)
        totals = await desk.totals(broadcast.id)
        finished = await desk.finish(broadcast.id, utc_now()) or broadcast
        print(summary_text(runtime.core.catalog, finished, totals).to_plain_text())
        return 0
    finally:
        await runtime.close()


def _print_preview(config: AppConfig, draft: Broadcast, counts: dict[str, int]) -> None:
    rates = config.campaign.broadcasts
    print(f"Broadcast #{draft.id} to {draft.petition or 'signers of every petition'}:")
    for platform, count in sorted(counts.items()):
        minutes = count / rates.rate(platform) / 60
        print(f"  {platform}: {count} people, about {minutes:.0f} min")
    print(f"  total: {sum(counts.values())} people\n---\n{draft.text}\n---")
    for language, text in sorted(draft.translations.items()):
        print(f"For people who read {language_name(language, reader='en')}:\n{text}\n---")


async def _confirmed_by_typing(total: int) -> bool:
    if not sys.stdin.isatty():
        print("Standard input is not a terminal: pass --yes to send.", file=sys.stderr)
        return False
    print(f"Send to {total} people? [y/N] ", end="", flush=True)
    answer = await LineReader(sys.stdin).readline()  # on the loop, so Ctrl-C ends the wait
    return (answer or "").strip().lower() in ("y", "yes")


async def _deliver(runtime: Runtime, broadcast: Broadcast) -> None:
    """Run the enabled platforms' workers while the bar follows every platform's deliveries."""
    deliveries, desk = runtime.core.deliveries, runtime.core.desk
    async with contextlib.AsyncExitStack() as stack:
        senders = [await stack.enter_async_context(s) for s in _senders(runtime.config)]
        workers = [deliveries.service(sender, report=False).worker for sender in senders]
        for worker in workers:
            await worker.recover()
        served = {worker.platform for worker in workers}
        waiting = {
            platform: n
            for platform, n in (await desk.audience(broadcast.petition)).items()
            if platform not in served
        }
        for platform, n in waiting.items():
            print(
                f"{n} {platform} recipients wait for a running bot with {platform} enabled.",
                file=sys.stderr,
            )
        sending = asyncio.gather(*(worker.deliver(broadcast) for worker in workers))
        try:
            with progress_bar(broadcast.total, f"broadcast #{broadcast.id}") as advance:
                while not sending.done():
                    advance((await desk.totals(broadcast.id)).finished)
                    await asyncio.wait([sending], timeout=0.5)
                advance((await desk.totals(broadcast.id)).finished)
            await sending
        except asyncio.CancelledError:
            await _stop_workers(sending)
            left = (await desk.totals(broadcast.id)).open
            print(
                f"Stopped. {left} recipients wait for the next delivery: `petition-bot run` "
                "resumes unfinished broadcasts.",
                file=sys.stderr,
            )
            raise


async def _stop_workers(sending: asyncio.Future[list[int]]) -> None:
    """Stopped (Ctrl-C, SIGTERM): the workers record their sends and hand the rest back,
    before their senders close."""
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sending


def _senders(config: AppConfig) -> list[contextlib.AbstractAsyncContextManager[Sender]]:
    """A sender for every enabled platform whose token is set."""
    openers = []
    for platform in available_platforms():
        token = os.environ.get(platform.token_env, "").strip()
        if platform.enabled(config) and token and platform.open_sender is not None:
            openers.append(platform.open_sender(config, token))
    return openers
