"""One bot process on a shared PostgreSQL database, driven by a multi-process test.

``python -m tests.postgres.worker URL ACTION ARGS...`` opens the store and the core, prints
``ready``, waits for ``go`` on its standard input (so several workers act at the same
moment), does its action and prints the outcome as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

from bots.runtime import build_runtime
from core.delivery import DeliveryResult
from core.inbox import Inbox
from core.messages import Inbound, InboundKind, Outbound
from storage import PostgresStore
from tests.fakes.fake_sender import FakeSender
from tests.unit.chat import EXAMPLE, TERMINAL, Chat


@dataclass
class LoggedSender(FakeSender):
    """Appends each address it delivers to to a file, one line per send, as it sends: what
    a process killed a moment later has sent is on record."""

    log_path: str = ""

    async def send_to_user(self, user_id: str, message: Outbound) -> DeliveryResult:
        descriptor = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(descriptor, f"{user_id}\n".encode())
        finally:
            os.close(descriptor)
        return await super().send_to_user(user_id, message)


def _say(what: object) -> None:
    print(json.dumps(what), flush=True)


async def _wait_for_go() -> None:
    _say("ready")
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    assert line.strip() == "go", line


async def main(url: str, action: str, *args: str) -> None:
    store = await PostgresStore.open(url)
    runtime = build_runtime(EXAMPLE, store)
    try:
        if action == "press":  # one person's button, pressed in this process
            user, data, message_id = args
            await _wait_for_go()
            inbound = Inbound(
                platform="telegram",
                user_id=user,
                chat_id=user,
                display_name="Tester",
                kind=InboundKind.CHOICE,
                text=data,
                message_id=message_id,
            )
            await store.record_inbound("telegram", message_id, "{}", datetime.now(UTC))
            replies = await runtime.core.handle(inbound, TERMINAL)
            _say({"replies": [reply.text.to_plain_text() for reply in replies]})
        elif action == "text":  # one person's typed line, handled at once
            user, text = args
            _say("started")
            replies = await Chat(runtime.core, user).send(text)
            _say({"replies": [reply.text.to_plain_text() for reply in replies]})
        elif action == "sign-many":  # many people signing at once in this process
            prefix, count = args[0], int(args[1])
            await _wait_for_go()
            chats = [Chat(runtime.core, f"{prefix}{i}") for i in range(count)]
            await asyncio.gather(
                *(chat.sign("Jane Doe", f"{chat.user}@example.org") for chat in chats)
            )
            _say({"signed": sum("Thank you" in chat.last for chat in chats)})
        elif action == "dispatch":  # a dispatcher until killed or its input closes
            sender = LoggedSender("telegram", log_path=args[0])
            runtime.core.deliveries.start(sender)
            _say("ready")
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        elif action == "record":  # a Telegram update reaching this worker
            message_id = args[0]
            await _wait_for_go()
            recorded = await Inbox(store, lambda: datetime.now(UTC)).record(
                "telegram", message_id, "{}"
            )
            _say({"recorded": recorded})
    finally:
        await runtime.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
