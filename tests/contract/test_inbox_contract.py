"""The inbox contract, for every store: record once, mark handled with replies, settle."""

from __future__ import annotations

from datetime import timedelta

from core.inbox import Inbox, stored_replies
from core.markup import Markup
from core.messages import Inbound, InboundKind, Outbound
from core.store import Store
from tests.contract.test_store_contract import NOW


def _inbound(message_id: str) -> Inbound:
    return Inbound(
        platform="telegram",
        user_id="7",
        chat_id="7",
        display_name="Jane",
        kind=InboundKind.TEXT,
        text="jane@example.org",
        message_id=message_id,
    )


async def test_a_message_is_recorded_once_whatever_is_redelivered(store: Store) -> None:
    assert await store.record_inbound("telegram", "1", '{"u": 1}', NOW)
    assert not await store.record_inbound("telegram", "1", '{"u": 1}', NOW)
    assert await store.record_inbound("discord", "1", "{}", NOW)  # ids are per platform
    assert await store.unhandled_inbound("telegram") == ['{"u": 1}']


async def test_handled_messages_keep_their_replies_until_settled(store: Store) -> None:
    for message_id in ("1", "2", "3"):
        await store.record_inbound("telegram", message_id, f"payload {message_id}", NOW)
    reply = Outbound(text=Markup.plain("What is your ZIP code?"), private=True)
    async with store.transaction():
        await store.mark_handled("telegram", "2", stored_replies(_inbound("2"), [reply]), NOW)
    assert await store.unhandled_inbound("telegram") == ["payload 1", "payload 3"]
    inbox = Inbox(store, lambda: NOW)
    [(message_id, to, replies)] = await inbox.unanswered("telegram")
    assert message_id == "2" and replies == [reply]
    assert (to.user_id, to.chat_id, to.message_id) == ("7", "7", "2")
    assert to.text == "" and to.display_name == ""  # what the person wrote is not kept
    await inbox.settle("telegram", "2")
    await inbox.settle("telegram", "1")  # nothing to answer (an ignored update)
    # Settling may be written in the background; any later write that waits is after it.
    assert not await store.record_inbound("telegram", "2", "again", NOW)  # still known
    assert await inbox.unanswered("telegram") == []
    assert await store.unhandled_inbound("telegram") == ["payload 3"]


async def test_settled_messages_are_forgotten_after_a_week(store: Store) -> None:
    inbox = Inbox(store, lambda: NOW)
    assert await inbox.record("telegram", "1", "x")
    await inbox.settle("telegram", "1")
    assert not await inbox.record("telegram", "1", "x")  # and waits for the settling
    assert await store.prune_inbox(NOW - timedelta(days=7)) == 0
    assert await store.prune_inbox(NOW + timedelta(seconds=1)) == 1
    assert await store.record_inbound("telegram", "1", "x", NOW)


async def test_a_platform_cursor_is_kept_replaced_and_separate_per_platform(
    store: Store,
) -> None:
    assert await store.get_cursor("matrix") is None
    await store.save_cursor("matrix", "s72594_4483_1934", NOW)
    await store.save_cursor("other", "42", NOW)
    await store.save_cursor("matrix", "s72595_4483_1934", NOW + timedelta(seconds=1))
    assert await store.get_cursor("matrix") == "s72595_4483_1934"
    assert await store.get_cursor("other") == "42"
