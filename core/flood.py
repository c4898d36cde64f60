"""Flood limits: a burst and a sustained limit per person on messages, tighter on signing.

Over a limit the person gets one polite "slow down"; what they send after it is dropped
without touching the store until the limit has room again. The counters sit behind the
small :class:`FloodGate` port: in memory here (one process); a shared store (PostgreSQL)
can implement the same port across processes.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import StrEnum
from typing import Annotated, Protocol

from aiolimiter import AsyncLimiter
from pydantic import BaseModel, ConfigDict

from core.bounds import Within

Count = Annotated[float, Within(0, 1_000_000, above=True)]
Seconds = Annotated[float, Within(0, 86_400 * 7, " seconds", above=True)]


class Bucket(BaseModel):
    """At most ``limit`` within ``per_seconds`` (a leaky bucket: room comes back steadily)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: Count
    per_seconds: Seconds


class FloodConfig(BaseModel):
    """Per-person limits; the defaults let anyone chat and sign at a human pace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    message_burst: Bucket = Bucket(limit=60, per_seconds=30)
    message_sustained: Bucket = Bucket(limit=600, per_seconds=3600)
    signing_burst: Bucket = Bucket(limit=15, per_seconds=60)
    signing_sustained: Bucket = Bucket(limit=60, per_seconds=3600)


class Verdict(StrEnum):
    """What to do with one message."""

    ADMIT = "admit"
    WARN = "warn"  # the first message over the limit: say "slow down" once
    DROP = "drop"  # over the limit and already warned: no answer, no store


class FloodGate(Protocol):
    """Counts a person's messages and says whether the next one may go through."""

    async def admit(self, person: str, signing: bool) -> Verdict: ...


class _Person:
    def __init__(self, config: FloodConfig) -> None:
        self.messages = [_limiter(config.message_burst), _limiter(config.message_sustained)]
        self.signing = [_limiter(config.signing_burst), _limiter(config.signing_sustained)]
        # Warned since the group was last over its limit: messages, signing.
        self.warned = {"messages": False, "signing": False}


def _limiter(bucket: Bucket) -> AsyncLimiter:
    return AsyncLimiter(bucket.limit, bucket.per_seconds)


class MemoryFloodGate:
    """The gate for one process: aiolimiter leaky buckets per person, the least recent
    people forgotten beyond ``max_people`` (their buckets had room again long ago)."""

    def __init__(self, config: FloodConfig, max_people: int = 100_000) -> None:
        self._config = config
        self._people: OrderedDict[str, _Person] = OrderedDict()
        self._max_people = max_people

    async def admit(self, person: str, signing: bool) -> Verdict:
        if not self._config.enabled:
            return Verdict.ADMIT
        state = self._people.get(person)
        if state is None:
            state = self._people[person] = _Person(self._config)
            if len(self._people) > self._max_people:
                self._people.popitem(last=False)
        self._people.move_to_end(person)
        groups = {"messages": state.messages, "signing": state.signing if signing else []}
        full = next((g for g, bs in groups.items() if not all(b.has_capacity() for b in bs)), None)
        if full is None:
            for buckets in groups.values():
                for bucket in buckets:
                    await bucket.acquire()  # has room: returns at once
            state.warned["messages"] = False
            if signing:
                state.warned["signing"] = False
            return Verdict.ADMIT
        if state.warned[full]:
            return Verdict.DROP
        state.warned[full] = True
        return Verdict.WARN
