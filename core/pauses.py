"""The pause half of the store port: which petitions organizers paused, shared by every process."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class PauseStore(Protocol):
    """Pauses live in the store, so every process (and every restart) sees the same ones."""

    async def set_paused(self, petition: str, paused: bool, at: datetime) -> bool:
        """Pause (or resume) signing on ``petition``; ``False`` when it already was so."""
        ...

    async def paused_petitions(self) -> dict[str, datetime]:
        """Every paused petition, with the moment it was paused."""
        ...
