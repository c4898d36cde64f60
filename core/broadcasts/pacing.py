"""`Pacer`: never more sends than a platform allows in any one-second window.

aiolimiter's leaky bucket does the pacing; a platform's "retry after" pauses the pacer, so
every worker of that platform waits, as the platform asked.
"""

from __future__ import annotations

import asyncio
import time

from aiolimiter import AsyncLimiter

# The bucket drains a hair slower than the limit, so scheduling jitter can never push a
# one-second window over it.
_SAFETY = 1.005


class Pacer:
    """Paces sends at ``per_second`` (``None``: unlimited) and honours retry-after pauses."""

    def __init__(self, per_second: float | None) -> None:
        self.per_second = per_second
        self._limiter: AsyncLimiter | None = None
        if per_second is not None:
            # A bucket of b slots that drains at rate ρ lets b + ⌊ρ⌋ sends into any one-second
            # window; b = 1% of the rate keeps wake-ups cheap at high rates.
            burst = max(1, int(per_second // 100))
            drain = max(per_second - burst + 1, 0.01) / _SAFETY
            self._limiter = AsyncLimiter(burst, burst / drain)
        self._paused_until = 0.0

    async def wait_turn(self) -> None:
        """Wait until a send is allowed: after any pause, and within the rate."""
        # A loop, not an Event: a second "retry after" may extend the pause while we sleep.
        while True:
            while (delay := self._paused_until - time.monotonic()) > 0:  # noqa: ASYNC110 - a second retry-after may extend the pause mid-sleep
                await asyncio.sleep(delay)
            if self._limiter is not None:
                await self._limiter.acquire()
            # A pause may have begun while this send queued in the limiter: wait it out too.
            if self._paused_until <= time.monotonic():
                return

    def pause(self, seconds: float) -> None:
        """The platform said "retry after": nobody sends before that time has passed."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)
