"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests: what it received, codes read from it."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content))
        return "250 OK"

    def codes_to(self, address: str) -> list[str]:
        return [
            re.findall(r"\b\d{6}\b", mail.get_payload())[0]
            for mail in self.mails
            if mail["To"] == address
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    """aiosmtpd on 127.0.0.1, started and stopped by the test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


__all__ = ["Inbox", "SmtpServer", "free_port"]
