"""The counters a signature is in, the same for every store and every way in (a chat
signing, a confirmation, a withdrawal, an imported row), so the figures always add up."""

from __future__ import annotations

from core.models import NewSignature

# The one counter a pending signature is in, until it is confirmed; listed first wherever a
# write moves it with others, so every writer locks counter rows in the same order.
PENDING_KEYS = [("pending", "")]


def counter_keys(
    day: str,
    platform: str,
    source: str | None,
    referrer: str | None,
    language: str | None,
) -> list[tuple[str, str]]:
    """The (dimension, key) counters a confirmed signature adds to, in locking order."""
    keys = [
        ("total", ""),
        ("day", day),
        ("platform", platform),
        ("source", source or "direct"),
        ("language", language or "en"),
    ]
    if referrer:
        keys.append(("referrer", referrer))
    return keys


def new_signature_keys(new: NewSignature) -> list[tuple[str, str]]:
    """The counters a new signature goes into: pending alone, else every confirmed one."""
    if new.pending:
        return PENDING_KEYS
    day = new.signed_at.date().isoformat()
    return counter_keys(day, new.platform, new.source, new.referrer_code, new.language)
