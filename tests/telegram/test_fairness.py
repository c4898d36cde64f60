"""One person's flood, or a chat paused by a rate limit, never holds up anyone else."""

from __future__ import annotations

import pytest

from tests.fakes.telegram_api import FakeTelegramServer

from .conftest import Person

pytestmark = [pytest.mark.timeout(60)]

FLOOD = 40


def _attempts_to(tg: FakeTelegramServer, chat_id: int) -> int:
    return sum(
        1 for call in tg.calls("sendMessage") if str(call.params.get("chat_id")) == str(chat_id)
    )


async def test_a_flooder_in_a_rate_limited_chat_does_not_delay_a_bystander(
    tg: FakeTelegramServer, app, alice: Person, bob: Person
) -> None:
    # Every reply to Alice's chat is refused "retry after 1 s", so each of her messages
    # keeps the bot waiting about two seconds; she has sent 40 of them.
    tg.fail_next(
        "sendMessage", chat_id=alice.chat_id, kind="retry_after", retry_after=1, times=10**6
    )
    for _ in range(FLOOD):
        tg.send_text(alice.user, "/help")
    await tg.wait_until(lambda: _attempts_to(tg, alice.chat_id) >= 1)

    answer = await bob.ask("/help")  # a bystander, while Alice's flood is still queued

    assert "What I can do" in answer.plain
    assert _attempts_to(tg, alice.chat_id) < FLOOD  # most of her messages still wait their turn
    tg.clear_faults()  # the flood drains now, and Alice gets her answers
    await tg.wait_until(lambda: app.update_processor.busy_users == 0, timeout=30)
    assert tg.messages(alice.chat_id)
