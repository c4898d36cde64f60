"""The broadcast half of the in-memory store, held to the same contract as SQLite's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from core.broadcasts.models import (
    Broadcast,
    BroadcastStatus,
    Delivery,
    DeliveryOutcome,
    DeliveryRecord,
    DeliveryState,
    Totals,
    UnreachableMark,
)
from core.models import IMPORT_PLATFORM, ConsentRecord, Signature
from core.retention_store import ERASED_ACCOUNT


class MemoryBroadcasts:
    """Mixed into `MemoryStore`, which provides ``signatures`` and ``consents``."""

    signatures: list[Signature]
    consents: list[ConsentRecord]

    def __init__(self) -> None:
        self.broadcasts: dict[int, Broadcast] = {}
        self.deliveries: dict[int, dict] = {}
        self.unreachable: dict[tuple[str, str], UnreachableMark] = {}
        self.reported: set[int] = set()

    def _forget_deliveries(self, petition: str, platform: str, user_id: str) -> None:
        """After a withdrawal: the account id leaves its deliveries of the petition's
        broadcasts, and of broadcasts to everyone once no active signature is left."""
        active = any(
            s.active and (s.platform, s.user_id) == (platform, user_id) for s in self.signatures
        )
        for row in self.deliveries.values():
            broadcast = self.broadcasts[row["broadcast_id"]]
            if (row["kind"], row["platform"], row["address"]) != ("person", platform, user_id):
                continue
            if broadcast.petition == petition or (broadcast.petition is None and not active):
                row["address"] = ERASED_ACCOUNT.format(id=row["id"])
                if row["state"] is DeliveryState.PENDING:
                    row["state"] = DeliveryState.SKIPPED
        if not active:
            self.unreachable.pop((platform, user_id), None)

    def _language_of(self, row: dict) -> str | None:
        """Chosen with /language, else the person's latest signature's."""
        chosen: dict[tuple[str, str], str] = getattr(self, "languages", {})
        if (row["platform"], row["address"]) in chosen:
            return chosen[(row["platform"], row["address"])]
        theirs = [
            s
            for s in self.signatures
            if (s.platform, s.user_id) == (row["platform"], row["address"])
        ]
        return theirs[-1].language if theirs else None

    def _audience(self, petition: str | None) -> list[tuple[str, str]]:
        people: dict[tuple[str, str], None] = {}
        for s in self.signatures:
            who = (s.platform, s.user_id)
            if (
                s.active
                and s.opted_in
                and not s.pending
                and s.platform != IMPORT_PLATFORM
                and petition in (None, s.petition)
                and who not in self.unreachable
            ):
                people[who] = None
        return list(people)

    async def audience_counts(self, petition: str | None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for platform, _ in self._audience(petition):
            counts[platform] = counts.get(platform, 0) + 1
        return counts

    async def create_broadcast(
        self,
        petition: str | None,
        text: str,
        author: str,
        origin: tuple[str, str],
        at: datetime,
        language: str = "en",
    ) -> Broadcast:
        broadcast = Broadcast(
            language=language,
            id=len(self.broadcasts) + 1,
            petition=petition,
            text=text,
            author=author,
            origin_platform=origin[0],
            origin_chat_id=origin[1],
            status=BroadcastStatus.DRAFT,
            created_at=at,
        )
        self.broadcasts[broadcast.id] = broadcast
        return broadcast

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        return self.broadcasts.get(broadcast_id)

    async def set_broadcast_translation(self, broadcast_id: int, language: str, text: str) -> bool:
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.DRAFT:
            return False
        translations = {**broadcast.translations, language: text}
        self.broadcasts[broadcast_id] = broadcast.model_copy(update={"translations": translations})
        return True

    async def confirm_broadcast(
        self, broadcast_id: int, channels: list[tuple[str, str]], at: datetime
    ) -> Broadcast | None:
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status is not BroadcastStatus.DRAFT:
            return None
        recipients = [(p, a, "person") for p, a in self._audience(broadcast.petition)]
        recipients += [(p, c, "channel") for p, c in dict.fromkeys(channels)]
        for platform, address, kind in recipients:
            delivery_id = len(self.deliveries) + 1
            self.deliveries[delivery_id] = {
                "id": delivery_id,
                "broadcast_id": broadcast_id,
                "platform": platform,
                "address": address,
                "kind": kind,
                "state": DeliveryState.PENDING,
                "attempts": 0,
                "detail": None,
                "finished_at": None,
            }
        self.broadcasts[broadcast_id] = broadcast.model_copy(
            update={"status": BroadcastStatus.SENDING, "confirmed_at": at, "total": len(recipients)}
        )
        return self.broadcasts[broadcast_id]

    async def cancel_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        broadcast = self.broadcasts.get(broadcast_id)
        if broadcast is None or broadcast.status not in (
            BroadcastStatus.DRAFT,
            BroadcastStatus.SENDING,
        ):
            return False
        self.broadcasts[broadcast_id] = broadcast.model_copy(
            update={"status": BroadcastStatus.CANCELLED, "finished_at": at}
        )
        for row in self._rows(broadcast_id, state=DeliveryState.PENDING):
            row["state"] = DeliveryState.CANCELLED
            row["finished_at"] = at
        return True

    async def set_progress_message(self, broadcast_id: int, message_id: str) -> None:
        broadcast = self.broadcasts[broadcast_id]
        self.broadcasts[broadcast_id] = broadcast.model_copy(
            update={"progress_message_id": message_id}
        )

    async def recent_broadcasts(self, limit: int) -> list[Broadcast]:
        return sorted(self.broadcasts.values(), key=lambda b: -b.id)[:limit]

    async def sending_broadcasts(self) -> list[Broadcast]:
        return [b for b in self.broadcasts.values() if b.status is BroadcastStatus.SENDING]

    async def confirmations(self) -> AsyncIterator[int]:
        """One process owns this store: nothing is confirmed anywhere else."""
        return
        yield  # an async generator that ends at once

    async def claim_deliveries(
        self, broadcast_id: int, platform: str, limit: int
    ) -> list[Delivery]:
        broadcast = self.broadcasts[broadcast_id]
        if broadcast.status is not BroadcastStatus.SENDING:
            return []
        wanted = {
            (s.platform, s.user_id)
            for s in self.signatures
            if s.active
            and s.opted_in
            and not s.pending
            and broadcast.petition in (None, s.petition)
        }
        claimed = []
        for row in self._rows(broadcast_id, state=DeliveryState.PENDING, platform=platform)[:limit]:
            if row["kind"] == "channel" or (row["platform"], row["address"]) in wanted:
                row["state"] = DeliveryState.IN_FLIGHT
                fields = {k: row[k] for k in Delivery.model_fields if k != "language"}
                language = self._language_of(row) if row["kind"] == "person" else None
                claimed.append(Delivery(**fields, language=language))
            else:
                row["state"] = DeliveryState.SKIPPED
        return claimed

    async def record_outcomes(self, outcomes: list[DeliveryOutcome], at: datetime) -> None:
        for outcome in outcomes:
            row = self.deliveries[outcome.delivery_id]
            row["state"] = outcome.state
            row["attempts"] = outcome.attempts
            row["detail"] = outcome.detail[:200]
            row["finished_at"] = at
            erased = row["address"].startswith(ERASED_ACCOUNT.partition("{")[0])
            if (
                outcome.state is DeliveryState.UNREACHABLE
                and row["kind"] == "person"
                and not erased
            ):
                mark = UnreachableMark(reason=outcome.detail, at=at)
                self.unreachable[(row["platform"], row["address"])] = mark

    async def release_deliveries(self, delivery_ids: list[int]) -> int:
        released = 0
        for delivery_id in delivery_ids:
            row = self.deliveries[delivery_id]
            if row["state"] is DeliveryState.IN_FLIGHT:
                sending = self.broadcasts[row["broadcast_id"]].status is BroadcastStatus.SENDING
                row["state"] = DeliveryState.PENDING if sending else DeliveryState.CANCELLED
                released += 1
        return released

    async def abandon_in_flight(self, platform: str) -> int:
        rows = [
            r
            for r in self.deliveries.values()
            if r["state"] is DeliveryState.IN_FLIGHT and r["platform"] == platform
        ]
        for row in rows:
            row["state"] = DeliveryState.UNKNOWN
        return len(rows)

    async def totals(self, broadcast_id: int) -> Totals:
        by_state: dict[DeliveryState, int] = {}
        for row in self._rows(broadcast_id):
            by_state[row["state"]] = by_state.get(row["state"], 0) + 1
        return Totals(by_state=by_state)

    async def finish_broadcast(self, broadcast_id: int, at: datetime) -> bool:
        broadcast = self.broadcasts[broadcast_id]
        if (
            broadcast.status is not BroadcastStatus.SENDING
            or (await self.totals(broadcast_id)).open
        ):
            return False
        self.broadcasts[broadcast_id] = broadcast.model_copy(
            update={"status": BroadcastStatus.DONE, "finished_at": at}
        )
        return True

    async def broadcasts_to_report(self, origin_platform: str) -> list[Broadcast]:
        return [
            b
            for b in self.broadcasts.values()
            if b.origin_platform == origin_platform
            and b.confirmed_at is not None
            and (
                b.status is BroadcastStatus.SENDING
                or (b.status is not BroadcastStatus.DRAFT and b.id not in self.reported)
            )
        ]

    async def mark_reported(self, broadcast_id: int, at: datetime) -> bool:
        broadcast = self.broadcasts[broadcast_id]
        if broadcast.id in self.reported or broadcast.status not in (
            BroadcastStatus.DONE,
            BroadcastStatus.CANCELLED,
        ):
            return False
        self.reported.add(broadcast.id)
        return True

    async def deliveries_to(self, platform: str, user_id: str) -> list[DeliveryRecord]:
        return [
            DeliveryRecord(
                broadcast_id=row["broadcast_id"],
                state=row["state"],
                attempts=row["attempts"],
                detail=row["detail"],
                finished_at=row["finished_at"],
            )
            for row in self.deliveries.values()
            if (row["platform"], row["address"], row["kind"]) == (platform, user_id, "person")
        ]

    async def unreachable_mark(self, platform: str, user_id: str) -> UnreachableMark | None:
        return self.unreachable.get((platform, user_id))

    async def broadcasts_by(self, author: str) -> list[Broadcast]:
        return [b for b in self.broadcasts.values() if b.author == author]

    async def set_updates(
        self, platform: str, user_id: str, petition: str | None, opted_in: bool, at: datetime
    ) -> int:
        changed = 0
        for index, s in enumerate(self.signatures):
            if (
                (s.platform, s.user_id) == (platform, user_id)
                and s.active
                and petition in (None, s.petition)
                and s.opted_in != opted_in
            ):
                self.signatures[index] = s.model_copy(
                    update={"opted_in": opted_in, "opted_in_at": at}
                )
                self.consents.append(
                    ConsentRecord(signature_id=s.id, kind="updates", granted=opted_in, at=at)
                )
                changed += 1
        return changed

    def _rows(
        self, broadcast_id: int, state: DeliveryState | None = None, platform: str | None = None
    ) -> list[dict]:
        return [
            r
            for r in self.deliveries.values()
            if r["broadcast_id"] == broadcast_id
            and state in (None, r["state"])
            and platform in (None, r["platform"])
        ]
