"""The burst-alert half of the store port: recent signatures by dimension, and alerts sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class Dimension(StrEnum):
    """What a burst of signatures has in common."""

    PLATFORM = "platform"
    REFERRER = "referrer"  # the referral code a signer came with
    EMAIL_DOMAIN = "email_domain"


class BurstAlert(BaseModel):
    """One alert: a petition's signatures in the last hour sharing one value of a dimension."""

    model_config = ConfigDict(frozen=True)

    petition: str
    dimension: Dimension
    value: str
    window_start: datetime  # the hour it belongs to: one alert per value per window
    count: int
    at: datetime


class HourCounts(BaseModel):
    """A petition's active signatures since a moment: all of them, and those with each value."""

    model_config = ConfigDict(frozen=True)

    total: int
    by: dict[Dimension, int]


class AlertDelivery(BaseModel):
    """An alert due to one moderator's private chat on one platform."""

    model_config = ConfigDict(frozen=True)

    alert: BurstAlert
    platform: str
    user_id: str


class BurstStore(Protocol):
    """Counted and recorded in the store, so that every process agrees."""

    async def burst_counts(
        self, petition: str, since: datetime, values: Mapping[Dimension, str]
    ) -> HourCounts:
        """Active signatures (confirmed or pending) signed at or after ``since``, imported
        ones left out (an organizer's sheet is no burst): all, and those that have each
        given value (an email domain is compared in lower case)."""
        ...

    async def record_burst_alert(
        self, alert: BurstAlert, recipients: Sequence[tuple[str, str]]
    ) -> bool:
        """Store the alert with one delivery per (platform, user id), unless an alert for
        the same petition, dimension, value and window exists (in any process): ``False``."""
        ...

    async def take_alert_deliveries(
        self, platform: str, limit: int, at: datetime
    ) -> list[AlertDelivery]:
        """Up to ``limit`` unsent deliveries on ``platform``, marked sent ``at`` as they are
        taken (so each goes out at most once, whichever process takes it)."""
        ...
