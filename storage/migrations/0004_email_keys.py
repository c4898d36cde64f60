"""Re-key stored addresses by today's rule (core.fields.email_key), which SQL cannot compute.

Keys used to be the whole address casefolded: that merged straße@ with strasse@ and kept
full-width ｊａｎｅ@ apart from jane@. Petitions had no alias option then, so every key is
recomputed with ``EmailAliases.DISTINCT``. Where two active signatures of a petition now
share a key, the older keeps it and the younger's is cleared (NULL, as on a withdrawn one),
so the unique index holds and the address stays taken; the log says how many, never which.
"""

from __future__ import annotations

import logging
import sqlite3

from core.config import EmailAliases
from core.fields import email_key

log = logging.getLogger("storage.migrations")

_ACTIVE = "FROM signatures WHERE withdrawn_at IS NULL"


def upgrade(db: sqlite3.Connection) -> None:
    """Recompute every active signature's ``email_key``; the older of two equal keys keeps it."""
    rows = db.execute(f"SELECT id, petition, email, email_key {_ACTIVE} AND email IS NOT NULL")
    changed = sorted(
        (id_, petition, key)
        for id_, petition, email, old in rows
        if (key := email_key(email, EmailAliases.DISTINCT)) != old
    )
    # Free the old keys first: a new key may be one that another row holds until its turn.
    db.executemany(
        "UPDATE signatures SET email_key = NULL WHERE id = ?", [(c[0],) for c in changed]
    )
    shared = 0
    for id_, petition, key in changed:  # oldest first
        holder = db.execute(
            f"SELECT id {_ACTIVE} AND petition = ? AND email_key = ?", (petition, key)
        ).fetchone()
        if holder is not None:
            shared += 1
            if holder[0] < id_:
                continue  # an older signature has the address
            db.execute("UPDATE signatures SET email_key = NULL WHERE id = ?", holder)
        db.execute("UPDATE signatures SET email_key = ? WHERE id = ?", (key, id_))
    log.info(
        "migration 0004: %d address keys recomputed, %d signatures share an address with an"
        " older one and keep no key",
        len(changed),
        shared,
    )
