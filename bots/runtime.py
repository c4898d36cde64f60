"""The one wiring place: configuration → store → core (with its broadcast delivery).

Every entry point builds its `Runtime` here: the command line, `petition-bot run` (one runtime
for all the platforms of the process, so they share one store), the platform factories'
callers, tests and benchmarks. It is the only module of ``bots/`` that knows ``storage/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.config import AppConfig
from bots.connections import Connections
from bots.mail import build_mailer
from core.bot import Clock, PetitionBot, utc_now
from core.store import Store

__all__ = [
    "CopyRefused",
    "Progress",
    "Runtime",
    "build_runtime",
    "copy_store",
    "migrate_store",
    "open_runtime",
]
from storage import open_store, schema
from storage.copy_store import CopyRefused, Progress, copy_store


@dataclass(frozen=True)
class Runtime:
    """What a process runs on: its configuration, its store, and the core on that store."""

    config: AppConfig
    store: Store
    core: PetitionBot
    # Each adapter reports here whether it is connected (for `/readyz`).
    connections: Connections = field(default_factory=Connections)

    async def close(self) -> None:
        """Stop the sweeper and broadcast delivery, then finish pending writes and release
        the store."""
        await self.core.retention.stop()
        await self.core.deliveries.stop_all()
        await self.core.confirmation.stop()
        await self.store.close()


def build_runtime(config: AppConfig, store: Store, clock: Clock = utc_now) -> Runtime:
    """The runtime on a store that is already open (a test's, a tool's)."""
    mailer = build_mailer(config.email)
    return Runtime(config, store, PetitionBot(config.campaign, store, clock=clock, mailer=mailer))


async def open_runtime(
    config: AppConfig, clock: Clock = utc_now, *, sweep: bool = False
) -> Runtime:
    """Open the configured store and build the core on it; ``close()`` it when done.
    ``sweep``: a long-running process erases expired personal data in the background."""
    store = await open_store(config.storage.url)
    try:
        runtime = build_runtime(config, store, clock)
        runtime.core.confirmation.ensure_retrying()  # codes a crash left unsent go out
        if sweep:
            runtime.core.retention.start_sweeping()
        return runtime
    except BaseException:
        await store.close()  # an open store's threads would keep the process from exiting
        raise


async def migrate_store(config: AppConfig, dry_run: bool) -> list[str]:
    """The migrations the configured database lacks: listed (``dry_run``) or applied."""
    url = config.storage.url
    return await (schema.pending(url) if dry_run else schema.apply(url))
