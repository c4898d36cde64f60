"""The `withdraw` use case: erase a signer's personal data and take them out of every count."""

from __future__ import annotations

from datetime import datetime

from core.store import Store


async def withdraw(store: Store, petition: str, platform: str, user_id: str, now: datetime) -> bool:
    """Withdraw the account's active signature; ``False`` when there was none."""
    signature = await store.active_signature(petition, platform, user_id)
    if signature is None:
        return False
    # Not logged: a signature id (or the moment) beside a line naming the account would tell
    # who had signed; the audit of privileged actions and the counters are the record.
    return await store.withdraw(signature.id, now)
