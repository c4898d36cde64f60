"""Referral codes and the start payloads that carry a petition, a referrer and a source.

A payload is parts joined by ``__``: a petition slug, ``r_<code>`` for a referrer, ``s_<name>``
for a campaign source (for example ``dont-run-joe__s_newsletter``), or ``c_<command>`` to
continue a command in private. All fit Telegram's 64-character ``A-Za-z0-9_-`` deep links.
"""

from __future__ import annotations

import re
import secrets

from pydantic import BaseModel, ConfigDict

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: readable aloud
_CODE = re.compile(r"^r_[A-Z2-9]{8}$", re.I)
_SOURCE = re.compile(r"^s_[a-z0-9-]{1,24}$")
_COMMAND = re.compile(r"^c_[a-z]{1,16}$")


def new_ref_code() -> str:
    """A fresh referral code, e.g. ``r_K7QH2MXA`` (40 bits, collisions negligible)."""
    return "r_" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


class StartPayload(BaseModel):
    """What a ``/start`` payload (or a ``/sign`` argument list) asks for."""

    model_config = ConfigDict(frozen=True)

    petition: str | None = None
    referrer_code: str | None = None
    source: str | None = None
    command: str | None = None


def parse_payload(parts: list[str]) -> StartPayload:
    """Read payload parts; anything unrecognised is ignored rather than refused."""
    found: dict[str, str] = {}
    for part in (piece for text in parts for piece in text.split("__") if piece):
        if _CODE.match(part):
            found["referrer_code"] = "r_" + part[2:].upper()
        elif _SOURCE.match(part.lower()):
            found["source"] = part[2:].lower()
        elif _COMMAND.match(part):
            found["command"] = part[2:]
        else:
            found.setdefault("petition", part.lower())
    return StartPayload(**found)


def payload(
    petition: str | None = None, referrer_code: str | None = None, command: str | None = None
) -> str:
    """Build a payload from its parts, in the order :func:`parse_payload` reads."""
    parts = [petition, referrer_code, f"c_{command}" if command else None]
    return "__".join(part for part in parts if part)
