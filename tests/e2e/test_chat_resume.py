"""A terminal chat that is restarted, or sent old choices, keeps what the person typed."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_chat_cli import chat, rows

TO_SUMMARY = ["/sign", "1", "Jane Doe", "jane@example.org", "12345", "1"]


def test_a_restarted_chat_opens_at_the_summary_and_signs_with_the_saved_answers(tmp_path: Path):
    chat(tmp_path, TO_SUMMARY)
    transcript = chat(tmp_path, ["1"])
    opening = transcript.split("> 1")[0]
    assert "here is where you left off" in opening
    assert "Please check your signature" in opening and "Full name: Jane Doe" in opening
    assert "Sign the petition" not in opening
    assert "Thank you, Jane!" in transcript
    assert rows(tmp_path, "SELECT name, email, postal_code FROM signatures") == [
        ("Jane Doe", "jane@example.org", "12345")
    ]


def test_the_pitch_s_sign_choice_mid_signing_continues_the_signing(tmp_path: Path) -> None:
    transcript = chat(tmp_path, ["/sign", "1", "Jane Doe", "jane@example.org", "/petition", "1"])
    after = transcript.split("> /petition")[1]
    assert "[1] ✍️ Sign the petition" in after
    assert "What is your ZIP code?" in after.split("> 1")[1]  # not "What is your full name?"
    chat(tmp_path, ["12345", "1", "1"])
    signed = rows(tmp_path, "SELECT name, email FROM signatures")
    assert signed == [("Jane Doe", "jane@example.org")]


def test_sign_again_at_the_summary_shows_the_summary(tmp_path: Path) -> None:
    transcript = chat(tmp_path, [*TO_SUMMARY, "/sign", "/mydata"])
    again = transcript.split("> /sign")[-1]
    assert "Please check your signature" in again and "Full name: Jane Doe" in again
    kept = again.split("> /mydata")[-1]  # /mydata: the answers are still there
    assert all(line in kept for line in ("Jane Doe", "jane@example.org", "12345"))


def test_a_number_after_a_reply_without_buttons_presses_the_buttons_on_screen(tmp_path: Path):
    for user, pressed in (("alice", "1"), ("bob", "Yes, I want to sign")):
        transcript = chat(tmp_path, ["/sign", "/status", pressed], user=user)
        assert "Please choose one of the buttons" not in transcript
        assert "What is your full name?" in transcript.split("> /status")[1]


def test_text_at_a_broadcast_step_shows_the_buttons_it_asks_for(tmp_path: Path) -> None:
    lines = ["/broadcast Rally on Saturday", "when?", "1"]
    transcript = chat(tmp_path, lines, user="organizer")
    answer = transcript.split("> when?")[1].split("> 1")[0]
    assert "Please choose one of the buttons." in answer
    assert "[1] Signers of Don't Run Joe" in answer
    assert "Preview of broadcast #1" in transcript.split("> 1")[1]
