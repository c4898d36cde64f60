"""`petition-bot`: chat in the terminal, run the platform bots, check the config, read stats,
export signatures, purge what retention says is over."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import re
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from bots.broadcast_command import broadcast_command
from bots.config import AppConfig, load_config
from bots.console import render_terminal, run_console
from bots.import_command import add_tally_command, import_command, import_options, tally_options
from bots.logs import LOG_LEVEL_ENV, LOG_LEVELS, configure_logging, log_level
from bots.platforms import ROLES, NoPlatformEnabled, PlatformStopped, run_platforms
from bots.purge_command import purge_command
from bots.runtime import CopyRefused, copy_store, migrate_store, open_runtime
from bots.stopping import EXIT_CODES, run_until_stopped
from bots.terminal_progress import progress_bar
from core.bot import utc_now
from core.catalog import DEFAULT_LANGUAGE, Catalog, language_name
from core.config import PetitionConfig, PetitionLifecycle
from core.errors import ConfigError, MissingToken, StoreUnreachable
from core.exports import ExportFormat

EXIT_FAILURE = 1
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
        return run_until_stopped(args.handler(config, args))
    except KeyboardInterrupt:  # Ctrl-C before the command started
        return EXIT_CODES[signal.SIGINT]
    except StoreUnreachable as exc:  # what to fix, not a traceback
        print(f"The database can't be opened: {exc}", file=sys.stderr)
        return EXIT_FAILURE


async def _chat(config: AppConfig, args: argparse.Namespace) -> int:
    configure_logging(args.log_level or logging.WARNING)  # not interleaved with the chat
    runtime = await open_runtime(config, sweep=True)
    try:
        await run_console(runtime.core, args.user)
    finally:
        await runtime.close()
    return 0


async def _run(config: AppConfig, args: argparse.Namespace) -> int:
    configure_logging(args.log_level or logging.INFO)
    if args.shard_count is not None or args.shard_ids is not None:
        try:
            discord = config.discord.with_shards(args.shard_count, args.shard_ids)
        except ValidationError as exc:
            problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            print(f"--shard-count/--shard-ids: {problems}", file=sys.stderr)
            return EXIT_CONFIG
        config = config.model_copy(update={"discord": discord})
    try:
        await run_platforms(config, only=args.only)
    except (NoPlatformEnabled, MissingToken) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    except PlatformStopped as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    return 0


async def _web(config: AppConfig, args: argparse.Namespace) -> int:
    """The campaign site alone, whatever ``[web] enabled`` says (no bots in this process)."""
    from bots.web import run_web

    configure_logging(args.log_level or logging.INFO)
    runtime = await open_runtime(config)
    try:
        await run_web(runtime)
    except OSError as exc:
        print(f"The web server cannot start: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await runtime.close()
    return 0


async def _poster(config: AppConfig, args: argparse.Namespace) -> int:
    """Write a petition's share poster (title, count, QR code of the sign link) as PNG."""
    from bots.web.language import PageWords, page_language
    from bots.web.poster import poster_link, poster_png
    from core.public_feed import PublicFeed

    configure_logging(args.log_level or logging.WARNING)
    petition = _petition(config, args.petition)
    if petition is None:
        return EXIT_CONFIG
    link = poster_link(config, petition)
    if link is None:
        print(
            "No link for the QR code: set [web] sign_links or the petition's site_url",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    runtime = await open_runtime(config)
    try:
        snapshot = await PublicFeed(config.campaign, runtime.store).snapshot(petition, utc_now())
        catalog = runtime.core.catalog
        language = page_language(catalog, args.language, None, petition.language)
        petition = petition.in_language(language)
        snapshot = snapshot.model_copy(update={"title": petition.title})
        png = await poster_png(snapshot, link, PageWords.of(catalog, language, petition))
        with _private_file(args.output, mode=0o644) as out:
            out.write(png)
    except OSError as exc:
        print(f"Cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await runtime.close()
    print(f"Poster written to {args.output}", file=sys.stderr)
    return 0


async def _stats(config: AppConfig, args: argparse.Namespace) -> int:
    configure_logging(args.log_level or logging.WARNING)
    petition = _petition(config, args.petition)
    if petition is None:
        return EXIT_CONFIG
    runtime = await open_runtime(config)
    try:
        figures, today = runtime.core.figures, utc_now().date()
        print(render_terminal(await figures.stats(petition, today), sys.stdout.isatty()))
        if args.chart:
            png = await figures.chart(petition, today)
            with _private_file(args.chart, mode=0o644) as out:
                out.write(png)
            print(f"Chart written to {args.chart}", file=sys.stderr)
    except OSError as exc:
        print(f"Cannot write {args.chart}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await runtime.close()
    return 0


async def _export(config: AppConfig, args: argparse.Namespace) -> int:
    """Stream a petition's signatures to a file with a progress bar; audited, even if cut short."""
    configure_logging(args.log_level or logging.WARNING)
    petition = _petition(config, args.petition)
    if petition is None:
        return EXIT_CONFIG
    fmt = ExportFormat(args.format)
    runtime = await open_runtime(config)
    exports = runtime.core.exports
    try:
        pending = args.include_pending
        total = await exports.size(petition.slug, pending)
        tallied = sum(tally.count for tally in await runtime.store.tallies(petition.slug))
        with progress_bar(total, "export") as advance, _private_file(args.output) as out:
            actor = f"cli:{_default_user()}"
            written = await exports.write(
                petition.slug, out, fmt, actor, utc_now(), advance, include_pending=pending
            )
    except OSError as exc:
        print(f"Cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await runtime.close()
    where = "standard output" if args.output == "-" else args.output
    noun = "signature" if written == 1 else "signatures"
    print(f"Exported {written} {noun} of {petition.slug} to {where} ({fmt}).", file=sys.stderr)
    if tallied:  # in the count, but no person to write a row for
        print(f"Not in the file: {tallied:,} counted in tallies, without names.", file=sys.stderr)
    return 0


async def _pause(config: AppConfig, args: argparse.Namespace) -> int:
    """Pause or resume signing on a petition, as /pause and /resume do; audited."""
    configure_logging(args.log_level or logging.WARNING)
    petition = _petition(config, args.petition)
    if petition is None:
        return EXIT_CONFIG
    pausing = args.command == "pause"
    if pausing and petition.lifecycle_at(utc_now()) is PetitionLifecycle.CLOSED:
        print(f"{petition.slug} is closed already: there is nothing to pause.")  # as /pause
        return 0
    runtime = await open_runtime(config)
    try:
        lifecycles, actor = runtime.core.lifecycles, f"cli:{_default_user()}"
        change = lifecycles.pause if pausing else lifecycles.resume
        changed = await change(petition, actor, utc_now())
        now = await lifecycles.of(petition, utc_now())
    finally:
        await runtime.close()
    if not changed:
        print(f"{petition.slug} was {'already' if pausing else 'not'} paused; nothing changed.")
    else:
        print(f"{petition.slug} is {'paused' if pausing else 'no longer paused'} ({now.value}).")
    return 0


async def _migrate(config: AppConfig, args: argparse.Namespace) -> int:
    """List (``--dry-run``) or apply the schema migrations the configured database lacks."""
    configure_logging(args.log_level or logging.WARNING)
    steps = await migrate_store(config, args.dry_run)
    if not steps:
        print("The database schema is up to date; nothing to apply.")
    elif args.dry_run:
        print(f"{len(steps)} migration(s) to apply: {', '.join(steps)} (nothing was changed).")
    else:
        print(f"Applied {len(steps)} migration(s): {', '.join(steps)}.")
    return 0


async def _copy_store(config: AppConfig, args: argparse.Namespace) -> int:
    """Copy a campaign's every row from SQLite to PostgreSQL, with a progress bar; verified."""
    configure_logging(args.log_level or logging.WARNING)
    try:
        totals = await copy_store(
            args.source,
            args.target,
            replace=args.replace,
            progress=lambda total: progress_bar(total, "copy"),
        )
    except CopyRefused as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    rows = sum(totals.values())
    print(f"Copied {rows} rows ({totals['signatures']} signatures); totals and counts verified.")
    return 0


def _petition(config: AppConfig, slug: str | None) -> PetitionConfig | None:
    """The petition named on the command line (the default one for none), or a message why not."""
    petition = config.campaign.petition(slug)
    if petition is None:
        slugs = ", ".join(p.slug for p in config.petitions)
        print(f"No petition called {slug!r}; configured: {slugs}", file=sys.stderr)
    return petition


@contextmanager
def _private_file(path: str, mode: int = 0o600) -> Iterator[BinaryIO]:
    """Write ``path`` whole or not at all: a ``.part`` file renamed at the end, removed on
    failure. Exports hold personal data, so only the owner may read them (``0o600``).
    ``-`` is standard output."""
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    target = Path(path)
    part = target.with_name(target.name + ".part")
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as out:
            yield out
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _default_user() -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "", getpass.getuser()) or "you"
    return name[:64]


def _shard_ids(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of shard numbers: {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="petition-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str, logs: bool = True) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=help_text)
        child.add_argument("--config", help="configuration file (default: see README)")
        if logs:
            child.add_argument(
                "--log-level",
                type=log_level,
                default=os.environ.get(LOG_LEVEL_ENV),  # argparse checks it like the option
                metavar="|".join(LOG_LEVELS),
                help=f"log level (default: ${LOG_LEVEL_ENV}, else the command's own);"
                " libraries log info and above whatever the level",
            )
        return child

    chat = command("chat", "chat with the bot in this terminal (no token needed)")
    chat.add_argument("--user", default=_default_user(), help="your console user name")
    chat.set_defaults(handler=_chat)
    run = command("run", "start every enabled platform bot (and the site if [web] is enabled)")
    run.add_argument(
        "--only",
        choices=ROLES,
        help="run one role of a deployment on a shared PostgreSQL database: one platform's"
        " chat (without broadcast delivery) or the dispatcher (broadcasts only)",
    )
    run.add_argument(
        "--shard-count",
        type=int,
        metavar="N",
        help="Discord: the total of shards every Discord process of the bot shares"
        " (default: [discord] shard_count)",
    )
    run.add_argument(
        "--shard-ids",
        type=_shard_ids,
        metavar="I,J",
        help="Discord: the shards this process connects, e.g. 0,1 (default: [discord]"
        " shard_ids, else all of them)",
    )
    run.set_defaults(handler=_run)
    command(
        "web", "serve only the campaign site: count feed, widget, probes, metrics"
    ).set_defaults(handler=_web)
    poster = command("poster", "write a printable share poster (PNG) with a QR code")
    poster.add_argument("--petition", default=None, help="petition slug (default: the default)")
    poster.add_argument("--output", metavar="FILE", required=True, help="PNG file to write")
    poster.add_argument(
        "--language",
        default=None,
        metavar="CODE",
        help="a shipped language, e.g. es (default: the petition's own)",
    )
    poster.set_defaults(handler=_poster)
    stats = command("stats", "print a petition's statistics")
    stats.add_argument("--petition", default=None, help="petition slug (default: the default)")
    stats.add_argument("--chart", metavar="FILE", help="also write the signatures chart (PNG)")
    stats.set_defaults(handler=_stats)
    export = command("export", "write a petition's signatures to a file (audited)")
    export.add_argument("--petition", default=None, help="petition slug (default: the default)")
    export.add_argument(
        "--format",
        choices=[f.value for f in ExportFormat],
        default=ExportFormat.CSV.value,
        help="csv (Action Network upload columns) or osdi (JSON lines); default csv",
    )
    export.add_argument(
        "--output", metavar="FILE", required=True, help="file to write, - for stdout"
    )
    export.add_argument(
        "--include-pending",
        action="store_true",
        help="add signatures still waiting for their email code, with a status column",
    )
    export.set_defaults(handler=_export)
    broadcast = command("broadcast", "send an announcement to opted-in signers (audited)")
    broadcast.add_argument(
        "--petition", default=None, help="petition slug, or 'all' (default: the default petition)"
    )
    broadcast.add_argument(
        "--message-file",
        required=True,
        metavar="FILE",
        help="the announcement text (UTF-8; **bold**, __italic__, [links](url))",
    )
    for language in sorted(Catalog.load().languages - {DEFAULT_LANGUAGE}):
        broadcast.add_argument(
            f"--message-file-{language}",
            dest=f"message_file_{language}",
            metavar="FILE",
            help=f"the text for people who read {language_name(language, reader='en')},"
            " who otherwise get --message-file's",
        )
    broadcast.add_argument("--yes", action="store_true", help="send without asking")
    broadcast.set_defaults(handler=broadcast_command)
    purge = command(
        "purge",
        "anonymise closed petitions past their retention; erase expired pending signatures,"
        " idle conversations and old unsent replies (audited)",
    )
    purge.add_argument(
        "--dry-run", action="store_true", help="only count what would be erased, per petition"
    )
    purge.set_defaults(handler=purge_command)
    for name, what in (("pause", "stop signing a petition for now"), ("resume", "undo pause")):
        lifecycle = command(name, f"{what} (audited; every process sees it)")
        lifecycle.add_argument(
            "--petition", default=None, help="petition slug (default: the default)"
        )
        lifecycle.set_defaults(handler=_pause)
    paper = command("import", "add signatures gathered on paper from a CSV sheet (audited)")
    import_options(paper)
    paper.set_defaults(handler=import_command)
    tally = command("add-tally", "add signatures counted without names, e.g. clipboards")
    tally_options(tally)
    tally.set_defaults(handler=add_tally_command)
    migrate = command("migrate", "apply the database schema migrations an upgrade brings")
    migrate.add_argument(
        "--dry-run", action="store_true", help="only list the migrations that would be applied"
    )
    migrate.set_defaults(handler=_migrate)
    copy = command("copy-store", "copy a campaign from SQLite to PostgreSQL, verified")
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="sqlite:///…")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="postgresql://…")
    copy.add_argument("--replace", action="store_true", help="delete what the target holds first")
    copy.set_defaults(handler=_copy_store)
    command("check-config", "validate the configuration and list every problem", logs=False)
    return parser


if __name__ == "__main__":
    sys.exit(main())
