"""End-to-end encryption when matrix-nio's ``[e2e]`` extra is installed (vodozemac): the
device's keys in a store of their own, Megolm events decrypted, replies encrypted.

Bots cannot verify people interactively, so keys are shared with every device in the room
(unverified ones too), as bots do. Without the extra, `ENABLED` is false and encrypted
rooms get a plain-text explanation instead (bots/matrix/client.py).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from nio import (
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    Event,
    LocalProtocolError,
    MegolmEvent,
    WhoamiResponse,
)
from nio.crypto import ENCRYPTION_ENABLED

from bots.config import AppConfig
from core.storage_url import StorageKind, sqlite_path, storage_kind

log = logging.getLogger(__name__)

ENABLED: bool = ENCRYPTION_ENABLED
STORE_FOLDER = "matrix-store"
NO_CRYPTO = (
    "This chat is end-to-end encrypted, and this bot can't read encrypted messages yet. "
    "Please start a new direct chat with the bot with encryption turned off (in Element: "
    "Start chat, then under 'Show advanced' turn off end-to-end encryption)."
)
UNREADABLE = "I couldn't decrypt your last message. Please send it again."


def store_folder(config: AppConfig) -> Path:
    """``[matrix] store_path``, else a folder next to the SQLite database (or the cwd)."""
    if config.matrix.store_path is not None:
        return Path(config.matrix.store_path)
    url = config.storage.url
    if storage_kind(url) is StorageKind.SQLITE:
        return sqlite_path(url).parent / STORE_FOLDER
    return Path(STORE_FOLDER)


def client_config() -> AsyncClientConfig:
    # The sync token is kept with the signatures (core/inbox.py), not in nio's store.
    return AsyncClientConfig(encryption_enabled=ENABLED, store_sync_tokens=False)


async def open_device(client: AsyncClient, folder: Path) -> bool:
    """Load (or create) the token's device keys from ``folder`` and publish them."""
    if not ENABLED:
        return False
    found = await client.whoami()
    if not isinstance(found, WhoamiResponse) or not found.device_id:
        log.warning("the access token has no device: encrypted rooms stay unreadable")
        return False
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    client.store_path = str(folder)
    client.restore_login(client.user_id, found.device_id, client.access_token)
    await upkeep(client)
    return True


async def upkeep(client: AsyncClient) -> None:
    """After each sync: keys to publish, people's devices to learn, sessions to open."""
    if client.olm is None:
        return
    await client.send_to_device_messages()
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())


def decrypted(client: AsyncClient, event: MegolmEvent) -> Event | None:
    """The event decrypted with a key that came after its sync, or None without the key."""
    try:
        found = client.decrypt_event(event)
    except (EncryptionError, LocalProtocolError):
        return None
    return found if isinstance(found, Event) and not isinstance(found, MegolmEvent) else None
