"""`add_tally`: signatures counted without anyone's details join the petition's count.

A tally ("80, clipboards, Nov 12") is in the headline count, the public feed and the goal
percent, and shown apart in `/stats` (source ``tally``); it is audited as ``tally_added``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from core.config import PetitionConfig
from core.errors import BadInput
from core.fields import clean_text
from core.models import AuditEntry, Tally
from core.store import Store

MAX_TALLY = 1_000_000
MAX_NOTE = 200

log = logging.getLogger(__name__)


class TallyRefused(BadInput):
    """A tally's number or note can't be used; the message says what to change."""


async def add_tally(
    store: Store, petition: PetitionConfig, count: int, note: str, actor: str, at: datetime
) -> Tally:
    """Add ``count`` signatures to ``petition`` with a note saying where they come from."""
    if not 1 <= count <= MAX_TALLY:
        raise TallyRefused(f"the count must be 1 to {MAX_TALLY:,}, not {count:,}")
    text = clean_text(note)
    if not text or len(text) > MAX_NOTE:
        raise TallyRefused(f"the note must have 1 to {MAX_NOTE} characters (where they come from)")
    tally = Tally(petition=petition.slug, count=count, note=text, actor=actor, at=at)
    await store.add_tally(tally)
    await store.record_audit(
        AuditEntry(
            actor=actor,
            action="tally_added",
            petition=petition.slug,
            detail=f"count={count}",
            at=at,
        )
    )
    log.info("tally added petition=%s count=%d", petition.slug, count)
    return tally
