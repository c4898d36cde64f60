"""Importing a sheet: rows/s of `petition-bot import`'s use case for 100,000 rows.

What it measures: ``SignatureImport.run`` (the use case the CLI and ``/import`` call) reading
a 100,000-row CSV written the way Action Network exports it, validating every row with the
signing conversation's validators, de-duplicating it and storing it in batches with
``Store.import_signatures``, on a fresh production store. The reference, in the same run:
the same number of rows inserted into the same ``signatures`` table (same indexes) by one
bare ``executemany`` in one transaction, without validation, consent rows or counters. The
ratio is import rows/s over bare rows/s. The run checks ``store.count`` and the report
before it prints a figure.

    .venv/bin/python bench/import_rows.py [--rows 100000] [--postgres URL]

With ``--postgres URL`` (a server where the user may CREATE DATABASE) the same is measured
on PostgreSQL too, each run on a database of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import secrets
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bots.config import load_config
from core.catalog import Catalog
from core.paper.importer import SignatureImport
from core.paper.rows import ImportOptions
from core.paper.sheet import Sheet
from core.store import Store
from storage import PostgresStore, SqliteStore

ROOT = Path(__file__).resolve().parent.parent
PETITION = load_config(ROOT / "config.example.toml").campaign.default_petition
NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
_INSERT_COLUMNS = (
    "petition, platform, user_id, name, email, email_key, postal_code, country, source,"
    " ref_code, opted_in, signed_at"
)


def write_sheet(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["first_name", "last_name", "email", "zip_code", "opted_in"])
        for n in range(rows):
            writer.writerow([f"Paper{n}", "Person", f"paper{n}@example.org", "02139", "no"])


def bare_rows(rows: int) -> list[tuple[object, ...]]:
    return [
        (
            PETITION.slug,
            "import",
            f"sheet-{n}",
            f"Paper{n} Person",
            f"paper{n}@example.org",
            f"paper{n}@example.org",
            "02139",
            "US",
            "paper",
            "i_" + secrets.token_hex(10),
            0,
            NOW.isoformat(),
        )
        for n in range(rows)
    ]


async def timed_import(store: Store, sheet_path: Path, rows: int) -> float:
    imports = SignatureImport(store, Catalog.load())
    options = ImportOptions(source="paper:bench", consent_version="v1", signed_at=NOW)
    started = time.perf_counter()
    with sheet_path.open(encoding="utf-8-sig", newline="") as lines:
        report = await imports.run(PETITION, Sheet(lines), options, "bench", NOW)
    elapsed = time.perf_counter() - started
    counted = await store.count(PETITION.slug)
    if (report.rows, report.added, counted, len(report.rejected)) != (rows, rows, rows, 0):
        sys.exit(f"wrong import: {report.rows} rows, {report.added} added, count {counted}")
    return rows / elapsed


async def sqlite_figures(folder: Path, sheet: Path, rows: int) -> tuple[float, float]:
    store = await SqliteStore.open(folder / "import.db")
    try:
        imported = await timed_import(store, sheet, rows)
    finally:
        await store.close()
    await (await SqliteStore.open(folder / "bare.db")).close()  # the same schema, empty
    values = bare_rows(rows)
    with sqlite3.connect(folder / "bare.db", isolation_level=None) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            f"INSERT INTO signatures ({_INSERT_COLUMNS}) VALUES ({', '.join('?' * 12)})", values
        )
        db.execute("COMMIT")
        bare = rows / (time.perf_counter() - started)
    return imported, bare


async def postgres_figures(server: str, sheet: Path, rows: int) -> tuple[float, float]:
    figures = []
    for kind in ("import", "bare"):
        name = f"petition_bench_{kind}_{secrets.token_hex(4)}"
        admin = await asyncpg.connect(server)
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
        try:
            store = await PostgresStore.open(url)
            try:
                if kind == "import":
                    figures.append(await timed_import(store, sheet, rows))
            finally:
                await store.close()
            if kind == "bare":
                figures.append(await bare_postgres(url, rows))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    return figures[0], figures[1]


async def bare_postgres(url: str, rows: int) -> float:
    values = [(*row[:10], bool(row[10]), NOW, NOW.date()) for row in bare_rows(rows)]
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        async with connection.transaction():
            await connection.executemany(
                f"INSERT INTO signatures ({_INSERT_COLUMNS}, signed_day) VALUES"
                f" ({', '.join(f'${i}' for i in range(1, 14))})",
                values,
            )
        return rows / (time.perf_counter() - started)
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", help="also measure on this server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        folder = Path(tmp)
        sheet = folder / "sheet.csv"
        write_sheet(sheet, args.rows)
        results = [("sqlite", *await sqlite_figures(folder, sheet, args.rows))]
        if args.postgres:
            results.append(("postgres", *await postgres_figures(args.postgres, sheet, args.rows)))
    print(f"{args.rows:,} rows per run")
    print(f"{'store':<10} {'import rows/s':>14} {'bare rows/s':>12} {'ratio':>6}")
    for store, imported, bare in results:
        print(f"{store:<10} {imported:>14,.0f} {bare:>12,.0f} {imported / bare:>6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
