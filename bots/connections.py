"""`Connections`: which platform adapters are connected now, for the readiness probe.

Each adapter says when it is connected and when it is not; `/readyz` compares that with the
platforms the configuration enables. Only names and booleans: nothing about anyone.
"""

from __future__ import annotations

from collections.abc import Iterable


class Connections:
    """The connected state each adapter last reported, by platform name."""

    def __init__(self) -> None:
        self._connected: dict[str, bool] = {}

    def connected(self, platform: str) -> None:
        """``platform`` can receive and send messages."""
        self._connected[platform] = True

    def disconnected(self, platform: str) -> None:
        """``platform`` lost its connection or stopped."""
        self._connected[platform] = False

    def missing(self, expected: Iterable[str]) -> list[str]:
        """The platforms of ``expected`` not connected now."""
        return [name for name in expected if not self._connected.get(name, False)]
