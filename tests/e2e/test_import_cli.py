"""`petition-bot import` and `add-tally` as an organizer runs them, beside chat signers."""

from __future__ import annotations

import csv
import sqlite3
import stat
from pathlib import Path

import pytest

from core.bot import PetitionBot
from storage import SqliteStore
from tests.e2e.test_chat_cli import chat, rows
from tests.e2e.test_export_cli import CLI_ACTOR, run
from tests.unit.chat import EXAMPLE, Chat

CHAT_SIGNERS = 20
ROWS = 10_000
BAD_EVERY = 199  # lines 199, 398, ...: 50 bad rows spread over the sheet
HEADER = ["first_name", "last_name", "email", "zip_code", "opted_in"]
BAD_ROWS = [
    (["Ann", "Lee", "ann-at-example.org", "12345", ""], "email address: That doesn't look like"),
    (["", "", "noname@example.org", "12345", ""], "no name"),
    (["Bo", "Ray", "bo@example.org", "1234", ""], "ZIP code: A ZIP code has 5 digits"),
    (["Cy", "Tan", "cy@example.org", "12345", "maybe"], "opted_in: write yes or no"),
    (["=HYPERLINK(1)", "", "f@example.org", "12345", ""], "name: A name can't start with"),
]


async def sign_in_chat(folder: Path, count: int) -> None:
    """People who signed through the core's signing conversation, before any import."""
    store = await SqliteStore.open(folder / "petition.db")
    try:
        bot = PetitionBot(EXAMPLE.campaign, store)
        for n in range(count):
            reply = await Chat(bot, f"chat{n}", platform="console").sign(
                f"Chat Signer{n}", f"chat{n}@example.org"
            )
            assert "You signed" in reply[-1].text.to_plain_text()
    finally:
        await store.close()


def write_sheet(path: Path) -> dict[int, str]:
    """The sheet of the issue: 10,000 rows, 50 bad, 20 who signed in a chat; the line of
    each row that must be left out, with the start of its reason."""
    expected: dict[int, str] = {}
    chat_lines = {100 + 397 * n: n for n in range(CHAT_SIGNERS)}  # never a bad row's line
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for line in range(2, ROWS + 2):
            if line % BAD_EVERY == 0:
                cells, reason = BAD_ROWS[(line // BAD_EVERY) % len(BAD_ROWS)]
                expected[line] = reason
            elif line in chat_lines:
                n = chat_lines[line]
                cells = [f"Chat{n}", "Signer", f"CHAT{n}@Example.org", "12345", "yes"]
                expected[line] = "this email address has already signed"
            else:
                cells = [f"Paper{line}", "Person", f"paper{line}@example.org", "02139", "no"]
            writer.writerow(cells)
    assert len(expected) == 70
    return expected


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[int, str]]:
    folder = tmp_path_factory.mktemp("sheet")
    return folder / "sheet.csv", write_sheet(folder / "sheet.csv")


def count(folder: Path) -> int:
    with sqlite3.connect(folder / "petition.db") as db:
        return db.execute("SELECT count(*) FROM signatures WHERE withdrawn_at IS NULL").fetchone()[
            0
        ]


async def test_ten_thousand_rows_add_9930_and_report_the_70(
    tmp_path: Path, sheet: tuple[Path, dict[int, str]]
) -> None:
    path, expected = sheet
    await sign_in_chat(tmp_path, CHAT_SIGNERS)
    args = ["import", "--file", str(path), "--consent-version", "2026-11"]
    result = run(tmp_path, *args, "--source", "paper:rally-2026-11-12", "--rejects", "rej.csv")
    assert result.returncode == 0, result.stderr
    assert "10,000 rows read, 9,930 signatures added." in result.stdout
    assert "Left out: 50 invalid, 20 already signed or repeated." in result.stdout
    assert count(tmp_path) == CHAT_SIGNERS + 9_930
    assert stat.S_IMODE((tmp_path / "rej.csv").stat().st_mode) == 0o600  # personal data
    with (tmp_path / "rej.csv").open(newline="", encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert {int(r["line"]) for r in report} == set(expected)
    for rejected in report:
        assert rejected["reason"].startswith(expected[int(rejected["line"])]), rejected
    formula = next(r for r in report if r["first_name"].startswith("'="))
    assert formula["first_name"] == "'=HYPERLINK(1)"  # neutralised, as exports are
    assert rows(
        tmp_path, "SELECT DISTINCT text_version FROM consents WHERE text_version LIKE 'paper%'"
    ) == [("paper form 2026-11",)]
    assert rows(
        tmp_path, "SELECT count(*) FROM signatures WHERE platform = 'import' AND opted_in"
    ) == [(0,)]
    [(detail,)] = rows(
        tmp_path,
        f"SELECT detail FROM audit_log WHERE action = 'signatures_imported'"
        f" AND actor = '{CLI_ACTOR}'",
    )
    assert detail == "source=paper:rally-2026-11-12 rows=10000 added=9930 invalid=50 duplicates=20"

    again = run(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert "10,000 rows read, 0 signatures added." in again.stdout
    assert count(tmp_path) == CHAT_SIGNERS + 9_930

    stats = run(tmp_path, "stats")
    assert "Total: 9,950" in stats.stdout
    assert "Of the total: online 20 · imported 9,930 · tallied 0" in stats.stdout


async def test_a_dry_run_reports_and_stores_nothing(
    tmp_path: Path, sheet: tuple[Path, dict[int, str]]
) -> None:
    path, _ = sheet
    await sign_in_chat(tmp_path, CHAT_SIGNERS)
    args = ["import", "--file", str(path), "--consent-version", "v1", "--dry-run"]
    result = run(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert "dry run, nothing was stored" in result.stdout
    assert "9,930 signatures would be added" in result.stdout
    assert "Left out: 50 invalid, 20 already signed or repeated." in result.stdout
    assert count(tmp_path) == CHAT_SIGNERS
    assert rows(tmp_path, "SELECT count(*) FROM audit_log") == [(0,)]


def test_map_reads_columns_named_otherwise_and_repeats_are_reported(tmp_path: Path) -> None:
    (tmp_path / "odd.csv").write_text(
        "Nom;Courriel;CP;Notes\nJane Doe;jane@example.org;12345;met at the rally\n"
        "Jane D.;Jane@Example.org;12345;\n",
        encoding="utf-8",
    )
    maps = ["--map", "Nom=name", "--map", "Courriel=email", "--map", "cp=postal_code"]
    result = run(
        tmp_path, "import", "--file", "odd.csv", "--consent-version", "v1", *maps,
        "--signed-on", "2026-11-12",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 rows read, 1 signature added." in result.stdout
    assert "line 3: the same email address as line 2" in result.stderr
    assert rows(tmp_path, "SELECT name, email, postal_code, source FROM signatures") == [
        ("Jane Doe", "jane@example.org", "12345", "paper")
    ]
    # Counted on the day the sheet was signed; audited when it was imported.
    assert rows(tmp_path, "SELECT key, n FROM tallies WHERE dimension = 'day'") == [
        ("2026-11-12", 1)
    ]
    [(audited,)] = rows(tmp_path, "SELECT at FROM audit_log")
    assert not audited.startswith("2026-11-12")


def test_a_sheet_without_a_column_the_petition_needs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("first_name,email\nJane,jane@example.org\n", encoding="utf-8")
    result = run(tmp_path, "import", "--file", "s.csv", "--consent-version", "v1")
    assert result.returncode == 2
    assert "no column for ZIP code" in result.stderr
    bad_map = run(tmp_path, "import", "--file", "s.csv", "--consent-version", "v1", "--map", "x")
    assert bad_map.returncode == 2 and "should be COLUMN=field" in bad_map.stderr


def test_a_chat_signer_whose_email_was_imported_gets_no_second_signature(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(
        "first_name,last_name,email,zip_code\nJane,Doe,jane@example.org,12345\n", encoding="utf-8"
    )
    assert run(tmp_path, "import", "--file", "s.csv", "--consent-version", "v1").returncode == 0
    transcript = chat(tmp_path, ["/sign", "1", "Jane Doe", "JANE@example.org", "12345", "1", "1"])
    assert "Thank you, Jane! You signed Don't Run Joe." in transcript  # the usual closing
    assert rows(tmp_path, "SELECT platform FROM signatures") == [("import",)]


def test_a_tally_is_in_the_count_the_stats_and_the_audit(tmp_path: Path) -> None:
    chat(tmp_path, ["/sign", "1", "Jane Doe", "jane@example.org", "12345", "1", "1"])
    result = run(tmp_path, "add-tally", "--count", "80", "--note", "clipboards, Nov 12")
    assert result.returncode == 0, result.stderr
    assert "the count is now 81" in result.stdout
    stats = run(tmp_path, "stats")
    assert "Total: 81" in stats.stdout
    assert "Of the total: online 1 · imported 0 · tallied 80" in stats.stdout
    assert "tally 80" in stats.stdout
    assert (CLI_ACTOR, "tally_added", "dont-run-joe", "count=80") in rows(
        tmp_path, "SELECT actor, action, petition, detail FROM audit_log"
    )
    assert "Signatures so far: 81" in chat(tmp_path, ["/status"], user="bob")
    refused = run(tmp_path, "add-tally", "--count", "0", "--note", "x")
    assert refused.returncode == 2 and "the count must be 1 to 1,000,000" in refused.stderr


def test_an_export_carries_imported_rows_and_names_the_tallies_it_leaves_out(
    tmp_path: Path,
) -> None:
    (tmp_path / "s.csv").write_text(
        "first_name,last_name,email,zip_code\nPat,Paper,pat@example.org,12345\n", encoding="utf-8"
    )
    imported = run(tmp_path, "import", "--file", "s.csv", "--consent-version", "v1")
    assert imported.returncode == 0, imported.stderr
    assert run(tmp_path, "add-tally", "--count", "5", "--note", "box").returncode == 0
    result = run(tmp_path, "export", "--output", "out.csv")
    assert result.returncode == 0, result.stderr
    assert "Not in the file: 5 counted in tallies, without names." in result.stderr
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as handle:
        [pat] = list(csv.DictReader(handle))
    assert (pat["email"], pat["platform"], pat["source"]) == ("pat@example.org", "import", "paper")
    assert pat["consent_version"] == "paper form v1" and pat["opted_in"] == "false"
    assert "Not in the file: 5 signatures counted in tallies" in chat(
        tmp_path, ["/export"], user="organizer"
    )


def test_a_sheet_broken_after_its_first_batches_says_what_was_stored(tmp_path: Path) -> None:
    """Rows go in a batch at a time: a bad line after the first batch can't undo it, so the
    organizer is told how many went in (not "nothing was imported"), and it is audited."""
    people = "".join(f"P{i},Quux,p{i}@example.org,12345\n" for i in range(1500))
    (tmp_path / "s.csv").write_bytes(
        ("first_name,last_name,email,zip_code\n" + people).encode() + b"Ren\xe9,Roe,r@x.org,1\n"
    )
    result = run(tmp_path, "import", "--file", "s.csv", "--consent-version", "v1")
    assert result.returncode == 2
    assert "Line 1,502 is not UTF-8 text" in result.stderr
    assert "added from the lines before it: 1,000 signatures" in result.stderr
    assert count(tmp_path) == 1000
    [(detail,)] = rows(tmp_path, "SELECT detail FROM audit_log")
    assert "added=1000" in detail and detail.endswith("stopped=import_not_utf8")
    (tmp_path / "s.csv").write_text("first_name,last_name,email,zip_code\n" + people)
    again = run(tmp_path, "import", "--file", "s.csv", "--consent-version", "v1")
    assert "1,500 rows read, 500 signatures added." in again.stdout
    assert count(tmp_path) == 1500


def test_a_sheet_printed_in_spanish_records_spanish_consent(tmp_path: Path) -> None:
    """The consent record names the text the signer read: the Spanish paper form, v2."""
    (tmp_path / "s.csv").write_text(
        "first_name,last_name,email,zip_code\nAna,Ruiz,ana@example.org,12345\n", encoding="utf-8"
    )
    args = ["import", "--file", "s.csv", "--consent-version", "es-v2"]
    refused = run(tmp_path, *args, "--language", "fr")
    assert refused.returncode == 2 and "the petition's texts are in en, es" in refused.stderr
    result = run(tmp_path, *args, "--language", "es")
    assert result.returncode == 0, result.stderr
    assert rows(tmp_path, "SELECT language FROM signatures") == [("es",)]
    assert rows(
        tmp_path, "SELECT text_version, language FROM consents WHERE kind = 'processing'"
    ) == [("paper form es-v2", "es")]
    stats = run(tmp_path, "stats")
    assert "By language: Spanish 1" in stats.stdout
