"""`petition-bot export` and `petition-bot stats --chart` as an organizer runs them."""

from __future__ import annotations

import csv
import getpass
import json
import re
import stat
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_chat_cli import COMMAND, EXAMPLE, SIGNING, chat, rows

CLI_ACTOR = "cli:" + (re.sub(r"[^A-Za-z0-9_.-]", "", getpass.getuser()) or "you")[:64]


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args, "--config", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with Jane's signature (opted in) and a withdrawn one: signed once per module."""
    folder = tmp_path_factory.mktemp("signed")
    chat(folder, SIGNING, user="alice")
    chat(folder, ["/sign", "1", "Bob Roe", "bob@example.org", "54321", "2", "1"], user="bob")
    chat(folder, ["/withdraw", "1"], user="bob")
    return folder


def test_export_writes_the_csv_and_audits_it(signed: Path) -> None:
    result = run(signed, "export", "--petition", "dont-run-joe", "--output", "out.csv")
    assert result.returncode == 0, result.stderr
    assert "Exported 1 signature of dont-run-joe to out.csv (csv)." in result.stderr
    path = signed / "out.csv"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # personal data: the owner's eyes only
    assert not (signed / "out.csv.part").exists()
    with path.open(newline="", encoding="utf-8") as handle:
        [jane] = list(csv.DictReader(handle))
    assert (jane["email"], jane["first_name"], jane["last_name"]) == (
        "jane@example.org",
        "Jane",
        "Doe",
    )
    assert (jane["zip_code"], jane["country"], jane["platform"]) == ("12345", "US", "console")
    assert jane["opted_in"] == "true" and jane["consent_version"] == "2026-11-v1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", jane["created_date"])
    assert (CLI_ACTOR, "export", "dont-run-joe", "1 rows csv") in rows(
        signed, "SELECT actor, action, petition, detail FROM audit_log"
    )


def test_export_osdi_to_standard_output(signed: Path) -> None:
    result = run(signed, "export", "--format", "osdi", "--output", "-")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    record = json.loads(line)
    assert record["person"]["email_addresses"] == [
        {"address": "jane@example.org", "primary": True, "status": "subscribed"}
    ]
    assert record["person"]["given_name"] == "Jane" and "bob" not in result.stdout.lower()


def test_export_of_an_unknown_petition_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, "export", "--petition", "nope", "--output", "out.csv")
    assert result.returncode == 2
    assert "No petition called 'nope'; configured: dont-run-joe" in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_an_organizer_exports_in_the_terminal_chat(signed: Path) -> None:
    transcript = chat(signed, ["/export"], user="organizer")
    assert "Don't Run Joe: 1 signature exported as CSV" in transcript


def test_stats_chart_writes_a_png(signed: Path) -> None:
    result = run(signed, "stats", "--chart", "chart.png")
    assert result.returncode == 0, result.stderr
    assert "Total: 1" in result.stdout
    png = (signed / "chart.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
