"""`petition-bot import` and `petition-bot add-tally`: signatures gathered offline, from the
command line, through the same core use cases as the chat's ``/import``."""

from __future__ import annotations

import argparse
import codecs
import getpass
import logging
import os
import sys
from contextlib import ExitStack
from datetime import UTC, date, datetime, time
from pathlib import Path

from bots.config import AppConfig
from bots.console import render_terminal
from bots.logs import configure_logging
from bots.runtime import open_runtime
from bots.terminal_progress import progress_bar
from core.bot import utc_now
from core.config import PetitionConfig
from core.paper.importer import ImportRefused
from core.paper.rejects import write_rejects
from core.paper.rows import SOURCE, ImportOptions
from core.paper.sheet import Sheet, SheetUnreadable, parse_mapping
from core.paper.summary import import_summary
from core.paper.tally import TallyRefused, add_tally

EXIT_FAILURE, EXIT_USAGE = 1, 2
# The moment of a signature given on paper on a day the organizer names: noon UTC, so the
# day is the same in every time zone a campaign is likely to be in.
_NOON = time(12, tzinfo=UTC)


async def import_command(config: AppConfig, args: argparse.Namespace) -> int:
    """Import a CSV sheet of signatures with a progress bar; print the summary, write the
    rejected rows to ``--rejects``."""
    configure_logging(args.log_level or logging.WARNING)
    petition = _petition(config, args.petition)
    if petition is None:
        return EXIT_USAGE
    languages = {petition.language, *petition.translations}
    if args.language is not None and args.language not in languages:
        print(
            f"--language {args.language}: the petition's texts are in"
            f" {', '.join(sorted(languages))}; name the one the paper form was printed in",
            file=sys.stderr,
        )
        return EXIT_USAGE
    path = Path(args.file)
    try:
        lines = _count_lines(path)
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    runtime = await open_runtime(config)
    core = runtime.core
    try:
        with ExitStack() as files:
            source = files.enter_context(path.open(encoding="utf-8-sig", newline=""))  # noqa: ASYNC230 - read as it is imported, a line at a time
            sheet = Sheet(source, parse_mapping(args.map))
            options = ImportOptions(
                source=args.source,
                consent_version=args.consent_version,
                signed_at=_signed_at(args.signed_on),
                dry_run=args.dry_run,
                language=args.language,
            )
            with progress_bar(lines, "import") as advance:
                actor = f"cli:{getpass.getuser()}"
                report = await core.imports.run(
                    petition, sheet, options, actor, utc_now(), progress=advance
                )
    except (SheetUnreadable, ImportRefused) as exc:
        if exc.message_key.startswith("import_not_utf8"):
            # The file is decoded a chunk ahead of the rows: the line is where the byte is.
            exc.values["line"] = _first_line_not_utf8(path) or exc.values["line"]
        text = core.catalog.render(exc.message_key, None, petition.messages, **exc.values)
        print(render_terminal(text, color=False), file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        await runtime.close()
    print(render_terminal(import_summary(core.catalog, petition, report), sys.stdout.isatty()))
    if args.rejects:
        # The rows hold personal data, as an export does: only the owner may read them.
        descriptor = os.open(args.rejects, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            written = write_rejects(report, out)
        print(f"{written} rejected row(s) written to {args.rejects}", file=sys.stderr)
    else:
        for rejection in report.rejected:
            print(f"line {rejection.line}: {rejection.reason}", file=sys.stderr)
    return 0


async def add_tally_command(config: AppConfig, args: argparse.Namespace) -> int:
    """Add a number of signatures counted without personal data; audited."""
    configure_logging(args.log_level or logging.WARNING)
    petition = _petition(config, args.petition)
    if petition is None:
        return EXIT_USAGE
    runtime = await open_runtime(config)
    try:
        tally = await add_tally(
            runtime.store, petition, args.count, args.note, f"cli:{getpass.getuser()}", utc_now()
        )
        total = await runtime.store.count(petition.slug)
    except TallyRefused as exc:
        print(f"The tally can't be added: {exc}.", file=sys.stderr)
        return EXIT_USAGE
    finally:
        await runtime.close()
    print(f"Added {tally.count:,} to {petition.slug} ({tally.note}); the count is now {total:,}.")
    return 0


def import_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``petition-bot import``."""
    parser.add_argument("--petition", default=None, help="petition slug (default: the default)")
    parser.add_argument("--file", required=True, metavar="CSV", help="the sheet (UTF-8 CSV)")
    parser.add_argument(
        "--consent-version",
        required=True,
        metavar="VERSION",
        help="the version of the paper form people signed (recorded as 'paper form VERSION')",
    )
    parser.add_argument(
        "--source",
        default="paper",
        type=_source,
        help="where the sheet comes from, e.g. paper:rally-2026-11-12 (default: paper)",
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read a column the names don't match: FIELD is first_name, last_name, name,"
        " email, postal_code or opted_in (repeatable)",
    )
    parser.add_argument(
        "--signed-on",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day the signatures were given (default: now)",
    )
    parser.add_argument(
        "--language",
        default=None,
        metavar="CODE",
        help="the language the paper form was printed in, e.g. es: recorded with each consent"
        " (default: the petition's own)",
    )
    parser.add_argument("--rejects", metavar="FILE", help="write the rows left out to this CSV")
    parser.add_argument(
        "--dry-run", action="store_true", help="check every row and report; store nothing"
    )


def tally_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``petition-bot add-tally``."""
    parser.add_argument("--petition", default=None, help="petition slug (default: the default)")
    parser.add_argument("--count", type=int, required=True, help="how many signatures")
    parser.add_argument(
        "--note", required=True, help="where they come from, e.g. 'clipboards, Nov 12'"
    )


def _source(text: str) -> str:
    if not SOURCE.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: 1-64 letters, digits and : . _ - (e.g. paper:rally-2026-11-12)"
        )
    return text


def _petition(config: AppConfig, slug: str | None) -> PetitionConfig | None:
    petition = config.campaign.petition(slug)
    if petition is None:
        slugs = ", ".join(p.slug for p in config.petitions)
        print(f"No petition called {slug!r}; configured: {slugs}", file=sys.stderr)
    return petition


def _count_lines(path: Path) -> int:
    """The file's lines, for the progress bar's total (rows are at most that many)."""
    with path.open("rb") as raw:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))


def _first_line_not_utf8(path: Path) -> int | None:
    """The line of the file's first byte that is not UTF-8 (``None`` if every one is)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return number
    return None


def _signed_at(day: date | None) -> datetime:
    return utc_now() if day is None else datetime.combine(day, _NOON)
