"""An in-memory store for unit tests of the core; it passes the same contract suite as SQLite."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta

from core.fields import public_name
from core.models import (
    IMPORT_PLATFORM,
    TALLY_SOURCE,
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
from core.states import ConversationState, state_from_json
from core.store import AlreadySigned
from tests.fakes.memory_broadcasts import MemoryBroadcasts
from tests.fakes.memory_inbox import MemoryInbox
from tests.fakes.memory_lifecycle import MemoryLifecycle
from tests.fakes.memory_retention import MemoryRetention


class MemoryStore(MemoryBroadcasts, MemoryInbox, MemoryRetention, MemoryLifecycle):
    """Keeps everything in dictionaries; counts are computed, which is fine at test sizes."""

    def __init__(self) -> None:
        MemoryBroadcasts.__init__(self)
        MemoryInbox.__init__(self)
        MemoryRetention.__init__(self)
        MemoryLifecycle.__init__(self)
        self.conversations: dict[tuple[str, str], str] = {}
        self.signatures: list[Signature] = []
        self.email_keys: dict[int, str] = {}  # signature id -> the key NewSignature carried
        self.consents: list[ConsentRecord] = []
        self.audit: list[AuditEntry] = []
        self.email_codes: dict[int, EmailCode] = {}
        self.offline_tallies: list[Tally] = []
        self.languages: dict[tuple[str, str], str] = {}

    async def chosen_language(self, platform: str, user_id: str) -> str | None:
        return self.languages.get((platform, user_id))

    async def choose_language(
        self, platform: str, user_id: str, language: str, at: datetime
    ) -> None:
        self.languages[(platform, user_id)] = language

    async def get_conversation(self, platform: str, user_id: str) -> ConversationState | None:
        raw = self.conversations.get((platform, user_id))
        return state_from_json(raw) if raw else None

    async def save_conversation(self, state: ConversationState) -> None:
        self.conversations[(state.platform, state.user_id)] = state.model_dump_json()

    async def delete_conversation(self, platform: str, user_id: str) -> None:
        self.conversations.pop((platform, user_id), None)

    async def add_signature(self, new: NewSignature) -> Signature:
        active = self._active(new.petition)
        # The account rule first, as SQLite decides it: when both rules fail, this is the
        # person's own second signature, not someone else's address.
        for existing in active:
            if (existing.platform, existing.user_id) == (new.platform, new.user_id):
                raise AlreadySigned(existing, by_email=False)
        for existing in active:
            if new.email_key and self.email_keys.get(existing.id) == new.email_key:
                raise AlreadySigned(existing, by_email=True)
        signature = Signature(
            id=len(self.signatures) + 1,
            consent_at=new.signed_at,
            opted_in_at=new.signed_at,
            **new.model_dump(exclude={"email_key"}),
        )
        self.signatures.append(signature)
        if new.email_key:
            self.email_keys[signature.id] = new.email_key
        self.consents += [
            ConsentRecord(
                signature_id=signature.id,
                kind="processing",
                granted=True,
                text_version=new.consent_version,
                language=new.consent_language,
                at=new.signed_at,
            ),
            ConsentRecord(
                signature_id=signature.id, kind="updates", granted=new.opted_in, at=new.signed_at
            ),
        ]
        return signature

    async def import_signatures(self, rows: Sequence[NewSignature]) -> list[bool]:
        stored = []
        for new in rows:
            try:
                await self.add_signature(new)
            except AlreadySigned:
                stored.append(False)
            else:
                stored.append(True)
        return stored

    async def signed_already(self, rows: Sequence[NewSignature]) -> list[bool]:
        return [any(self._same_signer(s, new) for s in self._active(new.petition)) for new in rows]

    def _same_signer(self, existing: Signature, new: NewSignature) -> bool:
        account = (existing.platform, existing.user_id) == (new.platform, new.user_id)
        by_email = new.email_key is not None and self.email_keys.get(existing.id) == new.email_key
        return (account and new.platform == IMPORT_PLATFORM) or by_email

    async def add_tally(self, tally: Tally) -> None:
        self.offline_tallies.append(tally)

    async def tallies(self, petition: str) -> list[Tally]:
        return [t for t in self.offline_tallies if t.petition == petition]

    async def active_signature(
        self, petition: str, platform: str, user_id: str
    ) -> Signature | None:
        return next(
            (s for s in self._active(petition) if (s.platform, s.user_id) == (platform, user_id)),
            None,
        )

    async def email_has_signed(self, petition: str, email_key: str) -> bool:
        return any(self.email_keys.get(s.id) == email_key for s in self._active(petition))

    async def signatures_of(self, platform: str, user_id: str) -> list[Signature]:
        return [s for s in self.signatures if (s.platform, s.user_id) == (platform, user_id)]

    async def signature_by_ref_code(self, ref_code: str) -> Signature | None:
        return next((s for s in self.signatures if s.ref_code == ref_code), None)

    async def consents_of(self, platform: str, user_id: str) -> list[ConsentRecord]:
        mine = {s.id for s in await self.signatures_of(platform, user_id)}
        return [c for c in self.consents if c.signature_id in mine]

    async def withdraw(self, signature_id: int, at: datetime) -> bool:
        index = signature_id - 1
        signature = self.signatures[index]
        if not signature.active:
            return False
        self.email_keys.pop(signature_id, None)
        self.email_codes.pop(signature_id, None)
        self.signatures[index] = signature.model_copy(
            update={
                "name": None,
                "email": None,
                "postal_code": None,
                "opted_in": False,
                "withdrawn_at": at,
            }
        )
        self._forget_deliveries(signature.petition, signature.platform, signature.user_id)
        return True

    async def count(self, petition: str) -> int:
        return len(self._confirmed(petition)) + self._tallied(petition)

    async def pending_count(self, petition: str) -> int:
        return sum(s.pending for s in self._active(petition))

    async def signature(self, signature_id: int) -> Signature | None:
        if 0 < signature_id <= len(self.signatures) and signature_id not in self.erased:
            return self.signatures[signature_id - 1]
        return None

    async def confirm_signature(self, signature_id: int, at: datetime) -> bool:
        signature = await self.signature(signature_id)
        if signature is None or not signature.active or not signature.pending:
            return False
        self.signatures[signature_id - 1] = signature.model_copy(update={"pending": False})
        self.email_codes.pop(signature_id, None)
        return True

    async def save_email_code(self, code: EmailCode) -> None:
        self.email_codes[code.signature_id] = code

    async def email_code(self, signature_id: int) -> EmailCode | None:
        return self.email_codes.get(signature_id)

    async def email_codes_due(self, now: datetime, limit: int) -> list[EmailCode]:
        due = [c for c in self.email_codes.values() if c.send_due_at and c.send_due_at <= now]
        return sorted(due, key=lambda c: (c.send_due_at, c.signature_id))[:limit]

    async def signed_since(self, petition: str, since: datetime) -> int:
        signed = sum(1 for s in self._confirmed(petition) if s.signed_at >= since)
        tallies = [t for t in self.offline_tallies if t.petition == petition]
        return signed + sum(t.count for t in tallies if t.at >= since)

    async def stats(self, petition: str, today: date, days: int) -> Stats:
        active = self._confirmed(petition)
        per_day = self._per_day(petition)
        first = today - timedelta(days=days - 1)
        referrers = Counter(s.referrer_code for s in active if s.referrer_code)
        return Stats(
            petition=petition,
            total=len(active) + self._tallied(petition),
            today=per_day[today],
            last_days=tuple(
                DayCount(day=first + timedelta(days=i), count=per_day[first + timedelta(days=i)])
                for i in range(days)
            ),
            by_platform=dict(Counter(s.platform for s in active)),
            by_source=dict(
                Counter(s.source or "direct" for s in active)
                + Counter({TALLY_SOURCE: self._tallied(petition)})
            ),
            by_language=dict(Counter(s.language for s in active)),
            top_referrers=tuple(sorted(referrers.items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
            pending=await self.pending_count(petition),
            imported=sum(s.platform == IMPORT_PLATFORM for s in active),
            tallied=self._tallied(petition),
        )

    async def active_signatures(
        self, petition: str, batch_size: int = 1000, include_pending: bool = False
    ) -> AsyncIterator[list[Signature]]:
        active = self._active(petition) if include_pending else self._confirmed(petition)
        for start in range(0, len(active), batch_size):
            yield active[start : start + batch_size]

    async def daily_counts(self, petition: str) -> list[DayCount]:
        per_day = self._per_day(petition)
        return [DayCount(day=day, count=n) for day, n in sorted(per_day.items()) if n]

    async def recent(self, petition: str, limit: int) -> list[RecentSignature]:
        latest = sorted(self._confirmed(petition), key=lambda s: s.id, reverse=True)[:limit]
        return [
            RecentSignature(display=public_name(s.name), platform=s.platform, signed_at=s.signed_at)
            for s in latest
        ]

    async def record_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    async def audit_log(self, limit: int) -> list[AuditEntry]:
        return list(reversed(self.audit))[:limit]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield  # every write is immediate and never fails to "commit"

    async def hold_person(self, key: str) -> None:
        return None  # one process: core's KeyedLock serialises each person

    async def audit_of(self, actor: str) -> list[AuditEntry]:
        return [entry for entry in self.audit if entry.actor == actor]

    async def close(self) -> None:
        return None

    def _active(self, petition: str) -> list[Signature]:
        return [s for s in self.signatures if s.petition == petition and s.active]

    def _confirmed(self, petition: str) -> list[Signature]:
        return [s for s in self._active(petition) if not s.pending]

    def _tallied(self, petition: str) -> int:
        return sum(t.count for t in self.offline_tallies if t.petition == petition)

    def _per_day(self, petition: str) -> Counter[date]:
        per_day = Counter(s.signed_at.date() for s in self._confirmed(petition))
        for tally in self.offline_tallies:
            if tally.petition == petition:
                per_day[tally.at.date()] += tally.count
        return per_day
