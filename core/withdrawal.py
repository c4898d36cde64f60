"""The `withdraw` use case: erase a signer's personal data and take them out of every count."""

from __future__ import annotations

import logging
from datetime import datetime

from core.store import Store

log = logging.getLogger(__name__)


async def withdraw(store: Store, petition: str, platform: str, user_id: str, now: datetime) -> bool:
    """Withdraw the account's active signature; ``False`` when there was none."""
    signature = await store.active_signature(petition, platform, user_id)
    if signature is None:
        return False
    withdrawn = await store.withdraw(signature.id, now)
    if withdrawn:
        log.info("signature withdrawn petition=%s id=%s", petition, signature.id)
    return withdrawn
