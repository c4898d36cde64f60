"""Spanish in the terminal: ``petition-bot chat`` under ``LANG=es_ES.UTF-8`` signs in
Spanish, and ``/language`` switches mid-way, as a person runs it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from tests.e2e.test_chat_cli import COMMAND, EXAMPLE, SIGNING


def chat(tmp_path: Path, lines: list[str], lang: str, user: str = "ana") -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    result = subprocess.run(
        [COMMAND, "chat", "--config", str(EXAMPLE), "--user", user],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={**environ, "LANG": lang},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "petition.db") as db:
        return db.execute(sql).fetchall()


def test_a_spanish_terminal_signs_in_spanish(tmp_path: Path) -> None:
    transcript = chat(tmp_path, [*SIGNING, "/mydata"], "es_ES.UTF-8")
    assert "¡Hola, ana! Recojo firmas para nuestra campaña." in transcript
    assert "Firmas hasta ahora: 0, el 0,0 % de nuestro objetivo de 100.000." in transcript
    assert "[1] Sí, quiero firmar  [2] Cancelar" in transcript
    assert "¿Cuál es tu código ZIP?" in transcript
    assert "(versión del consentimiento 2026-11-v1-es)" in transcript
    assert "¡Gracias, Jane! Has firmado No te presentes, Joe." in transcript
    assert "Idioma de la firma: español" in transcript
    assert "versión 2026-11-v1-es del texto del consentimiento, en español" in transcript
    assert rows(tmp_path, "SELECT language FROM signatures") == [("es",)]
    assert rows(
        tmp_path, "SELECT text_version, language FROM consents WHERE kind = 'processing'"
    ) == [("2026-11-v1-es", "es")]


def test_an_english_terminal_stays_english_and_counts_as_one_petition(tmp_path: Path) -> None:
    chat(tmp_path, SIGNING, "es_ES.UTF-8", user="ana")
    transcript = chat(
        tmp_path,
        ["/sign", "1", "Bob Roe", "bob@example.org", "12345", "1", "1"],
        "en_US.UTF-8",
        user="bob",
    )
    assert "Thank you, Bob! You signed Don't Run Joe." in transcript
    assert "(consent version 2026-11-v1)" in transcript
    assert rows(tmp_path, "SELECT language, count(*) FROM signatures GROUP BY 1") == [
        ("en", 1),
        ("es", 1),
    ]
    stats = chat(tmp_path, ["/stats"], "en_US.UTF-8", user="moderator")
    assert "Total: 2" in stats and "By language: English 1, Spanish 1" in stats


def test_language_switched_mid_way_asks_the_same_question_in_the_new_language(
    tmp_path: Path,
) -> None:
    lines = ["/sign", "1", "Jane Doe", "/language", "2", "jane@example.org", "12345", "1", "1"]
    transcript = chat(tmp_path, lines, "C.UTF-8", user="jane")
    before, after = transcript.split("A partir de ahora te escribo en español.")
    assert "What is your email address?" in before and "[1] English  [2] Español" in before
    assert after.lstrip().startswith("bot: ¿Cuál es tu correo electrónico?")
    assert "Nombre completo: Jane Doe" in after
    assert "¡Gracias, Jane!" in after
    assert rows(tmp_path, "SELECT name, language FROM signatures") == [("Jane Doe", "es")]
    again = chat(tmp_path, ["/status"], "C.UTF-8", user="jane")  # the choice is kept
    assert "Firmaste No te presentes, Joe el" in again
