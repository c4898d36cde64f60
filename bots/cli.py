"""`petition-bot`: chat in the terminal, run the platform bots, check the config, read stats."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import re
import sys
from collections.abc import Sequence

from bots.bootstrap import configure_logging, open_bot
from bots.config import AppConfig, ConfigError, load_config
from bots.console import render_terminal, run_console
from bots.platforms import MissingToken, NoPlatformEnabled, run_platforms
from core.bot import utc_now
from core.commands.moderator import STATS_DAYS
from core.reports import stats_report

EXIT_CONFIG = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``petition-bot`` command."""
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"Configuration problems in {exc.source}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "check-config":
        print(f"{len(config.petitions)} petition(s) configured; the configuration is valid.")
        return 0
    try:
        return asyncio.run(args.handler(config, args))
    except KeyboardInterrupt:
        return 130


async def _chat(config: AppConfig, args: argparse.Namespace) -> int:
    configure_logging(logging.WARNING)  # log lines must not interleave with the chat
    bot = await open_bot(config)
    try:
        await run_console(bot, args.user)
    finally:
        await bot.store.close()
    return 0


async def _run(config: AppConfig, args: argparse.Namespace) -> int:
    configure_logging()
    try:
        await run_platforms(config)
    except (NoPlatformEnabled, MissingToken) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    return 0


async def _stats(config: AppConfig, args: argparse.Namespace) -> int:
    petition = config.campaign.petition(args.petition)
    if petition is None:
        slugs = ", ".join(p.slug for p in config.petitions)
        print(f"No petition called {args.petition!r}; configured: {slugs}", file=sys.stderr)
        return EXIT_CONFIG
    bot = await open_bot(config)
    try:
        stats = await bot.store.stats(petition.slug, utc_now().date(), STATS_DAYS)
        print(render_terminal(stats_report(bot.catalog, petition, stats), sys.stdout.isatty()))
    finally:
        await bot.store.close()
    return 0


def _default_user() -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "", getpass.getuser()) or "you"
    return name[:64]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="petition-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=help_text)
        child.add_argument("--config", help="configuration file (default: see README)")
        return child

    chat = command("chat", "chat with the bot in this terminal (no token needed)")
    chat.add_argument("--user", default=_default_user(), help="your console user name")
    chat.set_defaults(handler=_chat)
    command("run", "start every enabled platform bot").set_defaults(handler=_run)
    stats = command("stats", "print a petition's statistics")
    stats.add_argument("--petition", default=None, help="petition slug (default: the default)")
    stats.set_defaults(handler=_stats)
    command("check-config", "validate the configuration and list every problem")
    return parser


if __name__ == "__main__":
    sys.exit(main())
