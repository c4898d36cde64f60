"""The store port: everything the core asks of storage, and the refusal every store raises.

The rest of storage's errors are the ``StoreError`` branch of core/errors.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Protocol

from core.alerts.store import BurstStore
from core.broadcasts.store import BroadcastStore
from core.errors import StoreError
from core.inbox import InboxStore
from core.models import (
    AuditEntry,
    ConsentRecord,
    DayCount,
    EmailCode,
    NewSignature,
    RecentSignature,
    Signature,
    Stats,
    Tally,
)
from core.pauses import PauseStore
from core.retention_store import RetentionStore
from core.states import ConversationState


class AlreadySigned(StoreError):
    """This account or this email already has an active signature on the petition."""

    def __init__(self, existing: Signature | None, by_email: bool) -> None:
        super().__init__("an active signature already exists")
        self.existing = existing
        self.by_email = by_email


class Store(BroadcastStore, InboxStore, RetentionStore, PauseStore, BurstStore, Protocol):
    """Durable state of the bot. Implementations: ``storage.SqliteStore`` (and future ones)."""

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Writes made inside are committed together, durably, when the block ends.

        Reads inside see the block's own writes. The end of the block raises if the commit
        failed (then none of them is stored). An exception inside the block does not undo
        the writes made before it: catch inside when a turn must still be recorded.
        """
        ...

    async def hold_person(self, key: str) -> None:
        """Inside a transaction: nobody else, in any process, holds ``key`` (a person's
        ``user_key``) until the transaction ends; waits while someone does. Keeps one
        person's turns one at a time when several processes receive them."""
        ...

    async def get_conversation(self, platform: str, user_id: str) -> ConversationState | None:
        """The unfinished conversation of this account, if any."""
        ...

    async def save_conversation(self, state: ConversationState) -> None:
        """Store (replace) an account's conversation state, whatever its kind, durably."""
        ...

    async def delete_conversation(self, platform: str, user_id: str) -> None:
        """Forget an account's conversation; nothing happens when there is none."""
        ...

    async def chosen_language(self, platform: str, user_id: str) -> str | None:
        """The language this account chose with ``/language``, if it chose one."""
        ...

    async def choose_language(
        self, platform: str, user_id: str, language: str, at: datetime
    ) -> None:
        """Store (replace) the language this account chose; every message follows it."""
        ...

    async def add_signature(self, new: NewSignature) -> Signature:
        """Store a signature with its consent, atomically; raises :class:`AlreadySigned`."""
        ...

    async def import_signatures(self, rows: Sequence[NewSignature]) -> list[bool]:
        """Store a batch of imported signatures in one transaction, counters included; for
        each row whether it was stored (``False``: its account or email key already has an
        active signature, which stays as it is)."""
        ...

    async def signed_already(self, rows: Sequence[NewSignature]) -> list[bool]:
        """For each row, whether its account or email key has an active signature on its
        petition (what :meth:`import_signatures` would skip); reads only."""
        ...

    async def add_tally(self, tally: Tally) -> None:
        """Add a number of signatures without personal data to the petition's counts."""
        ...

    async def tallies(self, petition: str) -> list[Tally]:
        """Every tally of a petition, oldest first."""
        ...

    async def active_signature(
        self, petition: str, platform: str, user_id: str
    ) -> Signature | None:
        """The account's active signature on a petition."""
        ...

    async def email_has_signed(self, petition: str, email_key: str) -> bool:
        """Whether an active signature on the petition has this address key (``email_key``)."""
        ...

    async def signatures_of(self, platform: str, user_id: str) -> list[Signature]:
        """Every signature (active or withdrawn) an account ever made."""
        ...

    async def signature_by_ref_code(self, ref_code: str) -> Signature | None:
        """The signature a referral code belongs to."""
        ...

    async def consents_of(self, platform: str, user_id: str) -> list[ConsentRecord]:
        """Every consent given or changed on the account's signatures, oldest first."""
        ...

    async def withdraw(self, signature_id: int, at: datetime) -> bool:
        """Erase personal data (and a pending signature's code) and keep a tombstone; in the
        same transaction, erase the account id from its deliveries of the petition's
        broadcasts (and of broadcasts to everyone, and its unreachable mark, once it has no
        active signature left; a pending delivery becomes skipped). ``False`` when it was not
        active."""
        ...

    async def count(self, petition: str) -> int:
        """Confirmed active signatures on a petition and its tallies, from a counter
        (constant time)."""
        ...

    async def pending_count(self, petition: str) -> int:
        """Active signatures still waiting for their emailed code, from a counter."""
        ...

    async def signature(self, signature_id: int) -> Signature | None:
        """One signature by its id."""
        ...

    async def confirm_signature(self, signature_id: int, at: datetime) -> bool:
        """Count a pending signature as confirmed and forget its code; ``False`` when it was
        not an active pending signature."""
        ...

    async def save_email_code(self, code: EmailCode) -> None:
        """Store (replace) the confirmation code of a pending signature."""
        ...

    async def email_code(self, signature_id: int) -> EmailCode | None:
        """The confirmation code of a pending signature, if it has one."""
        ...

    async def email_codes_due(self, now: datetime, limit: int) -> list[EmailCode]:
        """Codes whose email is due to be (re)sent by ``now``, the longest waiting first."""
        ...

    async def signed_since(self, petition: str, since: datetime) -> int:
        """Confirmed active signatures signed at or after ``since``, and the tallies added
        since then (a feed's last 24 hours: everything its ``today`` counts)."""
        ...

    async def stats(self, petition: str, today: date, days: int) -> Stats:
        """Totals, the last ``days`` days, and the breakdowns, from counters."""
        ...

    def active_signatures(
        self, petition: str, batch_size: int = 1000, include_pending: bool = False
    ) -> AsyncIterator[list[Signature]]:
        """Every confirmed active signature of a petition (and the pending ones with
        ``include_pending``), oldest first, a batch at a time (for exports)."""
        ...

    async def daily_counts(self, petition: str) -> list[DayCount]:
        """Confirmed active signatures per day since the first one, from counters (for charts)."""
        ...

    async def recent(self, petition: str, limit: int) -> list[RecentSignature]:
        """The latest confirmed active signatures, reduced to a first name and initial."""
        ...

    async def record_audit(self, entry: AuditEntry) -> None:
        """Append a privileged action to the audit log."""
        ...

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        """The latest audit entries, newest first."""
        ...

    async def audit_of(self, actor: str) -> list[AuditEntry]:
        """Every audit entry of one actor (``platform:user_id``), oldest first."""
        ...

    async def close(self) -> None:
        """Finish pending writes and release the database."""
        ...
