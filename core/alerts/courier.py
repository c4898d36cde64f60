"""`AlertCourier`: sends one platform's burst alerts to its moderators' private chats.

It runs beside the platform's broadcast delivery (core/broadcasts/service.py), through the
same `Sender` the adapter registered, so alerts reach moderators wherever broadcasts are
delivered, whichever process recorded the alert. Each delivery is taken once from the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from core.alerts.store import AlertDelivery, BurstStore, Dimension
from core.catalog import Catalog
from core.config import CampaignConfig
from core.delivery import DeliveryStatus, Sender
from core.messages import Outbound

log = logging.getLogger(__name__)

BATCH = 50

_DIMENSION_KEYS = {
    Dimension.PLATFORM: "alert_dimension_platform",
    Dimension.REFERRER: "alert_dimension_referrer",
    Dimension.EMAIL_DOMAIN: "alert_dimension_email_domain",
}


class AlertCourier:
    """Takes the platform's due alert deliveries and sends each one."""

    def __init__(
        self,
        store: BurstStore,
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
                result = await self._sender.send_to_user(delivery.user_id, self.message(delivery))
                status = result.status
            except Exception:  # a Sender should not raise; the alert is not tried again
                log.exception("burst alert send raised platform=%s", self._sender.platform)
                continue
            if status is not DeliveryStatus.DELIVERED:
                log.warning("burst alert not delivered platform=%s: %s", delivery.platform, status)
        return len(taken)

    def message(self, delivery: AlertDelivery) -> Outbound:
        """The alert as a moderator reads it: the dimension and its value, never a person."""
        alert = delivery.alert
        petition = self._campaign.petition(alert.petition)
        overrides = petition.messages if petition else None
        dimension = self._catalog.render(_DIMENSION_KEYS[alert.dimension], None, overrides)
        text = self._catalog.render(
            "burst_alert",
            None,
            overrides,
            title=petition.title if petition else alert.petition,
            dimension=dimension.to_plain_text(),
            value=alert.value,
            count=alert.count,
            threshold=self._campaign.alerts.signatures_per_hour,
        )
        return Outbound(text=text, private=True)
