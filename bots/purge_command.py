"""`petition-bot purge [--dry-run]`: the retention use case from the command line.

It runs `core.retention.Retention.purge` (the running bots sweep with the same code) and
prints, per petition, what was (or, with ``--dry-run``, would be) anonymised or erased.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import re
from datetime import UTC, datetime

from bots.config import AppConfig
from bots.logs import configure_logging
from bots.runtime import open_runtime
from core.retention import PetitionPurge, PurgeReport


async def purge_command(config: AppConfig, args: argparse.Namespace) -> int:
    """Purge (audited, as ``cli:<login>``) or only count, then print the report."""
    configure_logging(args.log_level or logging.WARNING)
    runtime = await open_runtime(config)
    try:
        report = await runtime.core.retention.purge(_actor(), dry_run=args.dry_run)
    finally:
        await runtime.close()
    now = runtime.core.clock()
    print("\n".join(report_lines(report, now)))
    return 0


def report_lines(report: PurgeReport, now: datetime) -> list[str]:
    """The report as the terminal shows it: a heading, one line per petition, a last line."""
    heading = "Dry run: nothing was changed." if report.dry_run else "Purged."
    lines = [heading]
    lines += [f"  {_petition_line(done, now, report.dry_run)}" for done in report.petitions]
    conversations = _count(report.conversations, "idle conversation")
    replies = _count(report.inbound, "old unsent reply", "old unsent replies")
    if report.dry_run:
        lines.append(f"Would delete {conversations} and erase {replies}.")
    else:
        lines.append(f"Deleted {conversations} and erased {replies}.")
    return lines


def _petition_line(done: PetitionPurge, now: datetime, dry_run: bool) -> str:
    would = "would be " if dry_run else ""
    if done.due_at is None:
        kept = "kept (set closes_at and retention_days_after_close to anonymise)"
    elif now < done.due_at:
        kept = f"kept until {done.due_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    else:
        kept = f"{_count(done.anonymised, 'signature')} {would}anonymised"
    pending = f"{_count(done.expired_pending, 'expired pending signature')} {would}erased"
    return f"{done.petition}: {kept}; {pending}."


def _count(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n:,} " + (noun if n == 1 else nouns or f"{noun}s")


def _actor() -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]", "", getpass.getuser()) or "you"
    return f"cli:{name[:64]}"
