"""`AlertCourier`: sends one platform's burst alerts to its moderators' private chats.

It runs beside the platform's broadcast delivery (core/broadcasts/service.py), through the
same `Sender` the adapter registered, so alerts reach moderators wherever broadcasts are
delivered, whichever process recorded the alert. Each delivery is taken once from the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from core.alerts.store import AlertDelivery, BurstStore, Dimension
from core.catalog import Catalog
from core.config import CampaignConfig
from core.delivery import DeliveryStatus, Sender
from core.messages import Outbound

log = logging.getLogger(__name__)

BATCH = 50
# An alert is taken from the store once, so a rate limit or a transient failure is retried
# here, a few times, waiting as the platform asks (at most this long each time).
ATTEMPTS = 3
LONGEST_WAIT_SECONDS = 30.0

_DIMENSION_KEYS = {
    Dimension.PLATFORM: "alert_dimension_platform",
    Dimension.REFERRER: "alert_dimension_referrer",
    Dimension.EMAIL_DOMAIN: "alert_dimension_email_domain",
}


class CourierStore(BurstStore, Protocol):
    """What the courier reads: the alerts due, and the language each moderator chose."""

    async def chosen_language(self, platform: str, user_id: str) -> str | None:
        """The language the account chose with /language, if any."""
        ...


class AlertCourier:
    """Takes the platform's due alert deliveries and sends each one."""

    def __init__(
        self,
        store: CourierStore,
        sender: Sender,
        campaign: CampaignConfig,
        catalog: Catalog,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._sender = sender
        self._campaign = campaign
        self._catalog = catalog
        self._clock = clock

    async def deliver_due(self) -> int:
        """Send what is due now on this platform; how many were taken."""
        taken = await self._store.take_alert_deliveries(self._sender.platform, BATCH, self._clock())
        for delivery in taken:
            try:
                language = await self._store.chosen_language(delivery.platform, delivery.user_id)
                status = await self._send(delivery.user_id, self.message(delivery, language))
            except Exception:  # a Sender should not raise; the alert is not tried again
                log.exception("burst alert send raised platform=%s", self._sender.platform)
                continue
            if status is not DeliveryStatus.DELIVERED:
                log.warning("burst alert not delivered platform=%s: %s", delivery.platform, status)
        return len(taken)

    async def _send(self, user_id: str, message: Outbound) -> DeliveryStatus:
        """Send, trying again after "retry after" and transient failures; the last status."""
        result = await self._sender.send_to_user(user_id, message)
        for attempt in range(1, ATTEMPTS):
            if result.status in (DeliveryStatus.DELIVERED, DeliveryStatus.UNREACHABLE):
                break
            wait = result.retry_after if result.retry_after is not None else float(attempt)
            await asyncio.sleep(min(wait, LONGEST_WAIT_SECONDS))
            result = await self._sender.send_to_user(user_id, message)
        return result.status

    def message(self, delivery: AlertDelivery, language: str | None = None) -> Outbound:
        """The alert as a moderator reads it, in their language: the dimension and its value,
        never a person."""
        alert = delivery.alert
        campaign = self._campaign.in_language(language) if language else self._campaign
        petition = campaign.petition(alert.petition)
        overrides = petition.messages if petition else None
        dimension = self._catalog.render(_DIMENSION_KEYS[alert.dimension], language, overrides)
        text = self._catalog.render(
            "burst_alert",
            language,
            overrides,
            title=petition.title if petition else alert.petition,
            dimension=dimension.to_plain_text(),
            value=alert.value,
            count=alert.count,
            threshold=self._campaign.alerts.signatures_per_hour,
        )
        return Outbound(text=text, private=True)
