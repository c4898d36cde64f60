"""The retention part of the in-memory store, held to the same contract as SQLite's."""

from __future__ import annotations

from datetime import datetime

from core.broadcasts.models import Broadcast, BroadcastStatus
from core.models import ConsentRecord, EmailCode, Signature
from core.retention_store import ERASED_ACCOUNT
from core.states import ExpiredState, state_from_json

_OVER = (BroadcastStatus.DONE, BroadcastStatus.CANCELLED)


class MemoryRetention:
    """Mixed into `MemoryStore`; an erased signature's slot stays (ids are list positions)."""

    signatures: list[Signature]
    email_keys: dict[int, str]
    email_codes: dict[int, EmailCode]
    consents: list[ConsentRecord]
    conversations: dict[tuple[str, str], str]
    inbox: dict[tuple[str, str], dict]
    broadcasts: dict[int, Broadcast]
    deliveries: dict[int, dict]
    unreachable: dict[tuple[str, str], object]

    def __init__(self) -> None:
        self.anonymised: set[int] = set()
        self.erased: set[int] = set()  # deleted rows: no method returns them

    async def anonymise_petition(self, petition: str, at: datetime, dry_run: bool = False) -> int:
        chosen = [
            s
            for s in self.signatures
            if s.petition == petition
            and s.id not in self.anonymised | self.erased
            and not (s.pending and s.active)
        ]
        if dry_run:
            return len(chosen)
        for s in chosen:
            self.anonymised.add(s.id)
            self.email_keys.pop(s.id, None)
            self.signatures[s.id - 1] = s.model_copy(
                update={
                    "user_id": ERASED_ACCOUNT.format(id=s.id),
                    "name": None,
                    "email": None,
                    "postal_code": None,
                    "country": None,
                    "opted_in": False,
                }
            )
        # A broadcast to everyone is forgotten once its account has no signature left, and
        # so is an unreachable mark (it only said that the account was in an audience).
        accounts = {(s.platform, s.user_id) for s in self.signatures if s.id not in self.erased}
        over = {b.id: b.petition for b in self.broadcasts.values() if b.status in _OVER}
        for row in self.deliveries.values():
            if row["broadcast_id"] not in over or row["kind"] != "person":
                continue
            target = over[row["broadcast_id"]]
            if target == petition or (
                target is None and (row["platform"], row["address"]) not in accounts
            ):
                row["address"] = ERASED_ACCOUNT.format(id=row["id"])
        for who in [who for who in self.unreachable if who not in accounts]:
            del self.unreachable[who]
        return len(chosen)

    async def erase_expired_pending(
        self,
        petition: str,
        signed_before: datetime,
        codes_expired_before: datetime,
        dry_run: bool = False,
    ) -> int:
        young = {
            i for i, code in self.email_codes.items() if code.expires_at >= codes_expired_before
        }
        chosen = [
            s
            for s in self.signatures
            if s.petition == petition
            and s.pending
            and s.active
            and s.signed_at < signed_before
            and s.id not in self.erased | young
        ]
        if dry_run:
            return len(chosen)
        ids = {s.id for s in chosen}
        self.erased |= ids
        self.consents = [c for c in self.consents if c.signature_id not in ids]
        for s in chosen:
            self.email_keys.pop(s.id, None)
            self.email_codes.pop(s.id, None)
            # Out of every count and lookup, as a deleted row is.
            self.signatures[s.id - 1] = s.model_copy(
                update={
                    "user_id": ERASED_ACCOUNT.format(id=s.id),
                    "petition": "",
                    "name": None,
                    "email": None,
                    "postal_code": None,
                    "country": None,
                    "ref_code": ERASED_ACCOUNT.format(id=s.id),
                }
            )
        return len(chosen)

    async def delete_stale_conversations(
        self, updated_before: datetime, marks_before: datetime, dry_run: bool = False
    ) -> int:
        states = {key: state_from_json(raw) for key, raw in self.conversations.items()}
        stale = [
            key
            for key, state in states.items()
            if state.updated_at < updated_before and not isinstance(state, ExpiredState)
        ]
        if dry_run:
            return len(stale)
        for key in stale:
            mark = ExpiredState(
                platform=key[0], user_id=key[1], nonce="", updated_at=states[key].updated_at
            )
            self.conversations[key] = mark.model_dump_json()
            states[key] = mark
        for key, state in states.items():  # after: a purge leaves not even the new marks
            if isinstance(state, ExpiredState) and state.updated_at < marks_before:
                del self.conversations[key]
        return len(stale)

    async def forget_old_inbound(self, received_before: datetime, dry_run: bool = False) -> int:
        old = [
            row
            for row in self.inbox.values()
            if row["received_at"] < received_before
            and "handled_at" in row
            and row.get("replies") is not None
        ]
        if not dry_run:
            for row in old:
                row.setdefault("settled_at", row["received_at"])
                row.update(payload=None, replies=None)
        return len(old)
