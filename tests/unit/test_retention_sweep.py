"""The running bot sweeps: an abandoned signing is erased when it expires, though its person
never writes again, and the sweeper stops with the runtime."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.config import parse_config
from bots.runtime import open_runtime
from core.states import ExpiredState, SigningState, SigningStep
from tests.e2e.test_chat_cli import EXAMPLE


def abandoned(user: str, hours_ago: float) -> SigningState:
    return SigningState(
        platform="telegram",
        user_id=user,
        petition="dont-run-joe",
        step=SigningStep.FIELD,
        field_index=2,
        nonce="n",
        answers={"name": "Jane Doe", "email": f"{user}@example.org"},
        updated_at=datetime.now(UTC) - timedelta(hours=hours_ago),
    )


async def test_the_runtime_sweeps_abandoned_conversations_again_and_again(tmp_path: Path) -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["storage"] = {"url": f"sqlite:///{tmp_path / 'bot.db'}"}
    data["conversation"] = {"idle_timeout_hours": 24, "sweep_interval_minutes": 0.001}
    runtime = await open_runtime(parse_config(data), sweep=True)
    try:
        store = runtime.store
        await store.save_conversation(abandoned("1", hours_ago=25))
        await store.save_conversation(abandoned("2", hours_ago=1))
        for _ in range(200):  # a later sweep than the one at start takes it
            if isinstance(await store.get_conversation("telegram", "1"), ExpiredState):
                break
            await asyncio.sleep(0.05)
        # Only a mark of whose it was and when is left, nothing typed into it.
        assert isinstance(await store.get_conversation("telegram", "1"), ExpiredState)
        assert await store.get_conversation("telegram", "2") is not None  # still fresh
    finally:
        await runtime.close()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "retention-sweep"]
