"""Give every stored conversation its ``kind``: a signing, a withdrawal or a broadcast draft.

One state shape used to serve all three, told apart by the step: a draft carried the default
petition's slug and kept its text and broadcast id in ``answers``, a withdrawal carried the
signing fields it never used. Each row is rewritten to the shape of its kind (core/states.py
as of this migration); the JSON shapes are spelled out here so later changes to the models
do not change what this step does.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

log = logging.getLogger("storage.migrations")

_DRAFT_STEPS = {
    "broadcast_text": "text",
    "broadcast_audience": "audience",
    "broadcast_preview": "preview",
}
_COMMON = ("platform", "user_id", "nonce", "updated_at")


def upgrade(db: sqlite3.Connection) -> None:
    """Rewrite each conversation row as the typed state of its kind."""
    rows = db.execute("SELECT platform, user_id, state FROM conversations").fetchall()
    kinds: dict[str, int] = {"signing": 0, "withdrawal": 0, "broadcast": 0}
    for platform, user_id, raw in rows:
        state = typed(json.loads(raw))
        kinds[state["kind"]] += 1
        db.execute(
            "UPDATE conversations SET state = ? WHERE platform = ? AND user_id = ?",
            (json.dumps(state, ensure_ascii=False, separators=(",", ":")), platform, user_id),
        )
    log.info(
        "migration 0005: %d signings, %d withdrawals and %d broadcast drafts typed",
        kinds["signing"],
        kinds["withdrawal"],
        kinds["broadcast"],
    )


def typed(old: dict[str, Any]) -> dict[str, Any]:
    """The state ``old`` (written before kinds existed) in the shape of its kind."""
    common = {key: old[key] for key in _COMMON}
    step = old["step"]
    if step == "withdraw":
        return {"kind": "withdrawal", **common, "petition": old["petition"]}
    if step in _DRAFT_STEPS:
        answers = old["answers"]
        preview = step == "broadcast_preview"  # the only step whose broadcast is stored
        return {
            "kind": "broadcast",
            **common,
            "step": _DRAFT_STEPS[step],
            "text": answers.get("text", ""),
            "broadcast_id": int(answers["broadcast_id"]) if preview else None,
        }
    return {"kind": "signing", **old}
