"""The retention part of the store port: what `purge` and the running bot's sweep erase.

Each method is one atomic step that returns how many rows it changed; with ``dry_run`` it
changes nothing and returns how many it would change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

# What an anonymised signature's account id becomes: ids of no platform contain a colon
# after a word like this, so it never matches a person, and stays unique per signature.
ERASED_ACCOUNT = "erased:{id}"


class RetentionStore(Protocol):
    """What retention needs from storage."""

    async def anonymise_petition(self, petition: str, at: datetime, dry_run: bool = False) -> int:
        """Erase every personal column of the petition's signatures not anonymised yet
        (confirmed and withdrawn: name, email and its key, postal code, country, opt-in, and
        the account id, replaced by :data:`ERASED_ACCOUNT`), and the addresses of its
        finished broadcasts' deliveries. Counts and statistics stay the same. A pending
        signature is left to :meth:`erase_expired_pending`. How many signatures."""
        ...

    async def erase_expired_pending(
        self,
        petition: str,
        signed_before: datetime,
        codes_expired_before: datetime,
        dry_run: bool = False,
    ) -> int:
        """Delete the petition's pending signatures signed before ``signed_before`` whose
        code (if any) expired before ``codes_expired_before`` (a code sent again late can
        still confirm its signature), with their consent and code rows. How many."""
        ...

    async def delete_stale_conversations(
        self, updated_before: datetime, marks_before: datetime, dry_run: bool = False
    ) -> int:
        """Erase conversations whose last step was before ``updated_before``, leaving in
        each place only an `ExpiredState` mark (whose, and when: so the person's next
        message is told it expired); delete marks whose last step was before
        ``marks_before``. How many conversations were erased (marks not counted)."""
        ...

    async def forget_old_inbound(self, received_before: datetime, dry_run: bool = False) -> int:
        """Erase what people wrote, and the replies, of inbox rows received before
        ``received_before`` that still hold either; they count as settled. How many."""
        ...
