"""Broadcast records: the announcement, its deliveries, and the figures about them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # composed, waiting for Confirm: nothing is sent
    SENDING = "sending"  # confirmed; deliveries stored, workers sending
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    SKIPPED = "skipped"  # opted out or withdrew before their turn
    UNKNOWN = "unknown"  # in flight when the process died; never resent
    CANCELLED = "cancelled"


OPEN_STATES = frozenset({DeliveryState.PENDING, DeliveryState.IN_FLIGHT})


class Broadcast(BaseModel):
    """An organizer's announcement; ``petition`` None means signers of every petition."""

    model_config = ConfigDict(frozen=True)

    id: int
    petition: str | None
    text: str
    author: str
    origin_platform: str
    origin_chat_id: str
    progress_message_id: str | None = None
    status: BroadcastStatus
    total: int = 0
    created_at: datetime
    confirmed_at: datetime | None = None
    finished_at: datetime | None = None
    # The text in other languages, by shipped language; ``text`` is for everyone else.
    translations: dict[str, str] = Field(default_factory=dict)
    language: str = "en"  # its author's, which progress reports and the summary are in

    def text_in(self, language: str | None) -> str:
        """The text a reader of ``language`` gets: its translation, else the default text."""
        return self.translations.get(language or "", self.text)


class Delivery(BaseModel):
    """One recipient of one broadcast: a person (DM) or an announcement channel."""

    model_config = ConfigDict(frozen=True)

    id: int
    broadcast_id: int
    platform: str
    address: str
    kind: str  # "person" or "channel"
    # The person's language when claimed: chosen with /language, else their latest
    # signature's; None for a channel (which gets the default text).
    language: str | None = None


class DeliveryRecord(BaseModel):
    """A broadcast as it reached (or did not reach) one person, as stored for them."""

    model_config = ConfigDict(frozen=True)

    broadcast_id: int
    state: DeliveryState
    attempts: int = 0
    detail: str | None = None
    finished_at: datetime | None = None


class UnreachableMark(BaseModel):
    """A platform said this person can never be reached: no broadcast tries them again."""

    model_config = ConfigDict(frozen=True)

    reason: str
    at: datetime


class DeliveryOutcome(BaseModel):
    """What became of one delivery, written back in batches."""

    model_config = ConfigDict(frozen=True)

    delivery_id: int
    state: DeliveryState
    attempts: int
    detail: str = ""


class Totals(BaseModel):
    """Deliveries of one broadcast by state."""

    model_config = ConfigDict(frozen=True)

    by_state: dict[DeliveryState, int]

    def __getitem__(self, state: DeliveryState) -> int:
        return self.by_state.get(state, 0)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    @property
    def open(self) -> int:
        """Deliveries not yet finished one way or another."""
        return sum(self[state] for state in OPEN_STATES)

    @property
    def finished(self) -> int:
        return self.total - self.open
