"""`Meter`: what this process does, told to whoever counts it (the web surface's `/metrics`).

The core calls a `Meters` fan-out at the moments worth counting; it knows nothing about how
they are counted. Only platforms, kinds, command names and outcomes are passed, never a
person, a chat or anything they typed, so no metric can carry personal data.
"""

from __future__ import annotations

from core.messages import Inbound


class Meter:
    """Override the moments you count; each does nothing by default."""

    def turn(self, inbound: Inbound, seconds: float) -> None:
        """A message was answered, ``seconds`` after it reached the core."""

    def refused(self, platform: str, command: str) -> None:
        """A command was refused for lack of a role."""

    def committed(self, seconds: float) -> None:
        """A turn's writes were committed to the store, taking ``seconds`` from its last step."""

    def delivered(self, platform: str, outcome: str) -> None:
        """A broadcast delivery ended: ``delivered``, ``unreachable``, ``failed``, ..."""

    def paused(self, platform: str, seconds: float) -> None:
        """The platform asked broadcasts to wait ("retry after") for ``seconds``."""


class Meters(Meter):
    """Every meter added, told of each moment in turn."""

    def __init__(self) -> None:
        self._meters: list[Meter] = []

    def add(self, meter: Meter) -> None:
        """Count with ``meter`` too (adding one twice counts once)."""
        if meter not in self._meters:
            self._meters.append(meter)

    def turn(self, inbound: Inbound, seconds: float) -> None:
        for meter in self._meters:
            meter.turn(inbound, seconds)

    def refused(self, platform: str, command: str) -> None:
        for meter in self._meters:
            meter.refused(platform, command)

    def committed(self, seconds: float) -> None:
        for meter in self._meters:
            meter.committed(seconds)

    def delivered(self, platform: str, outcome: str) -> None:
        for meter in self._meters:
            meter.delivered(platform, outcome)

    def paused(self, platform: str, seconds: float) -> None:
        for meter in self._meters:
            meter.paused(platform, seconds)
