"""Mail transports for confirmation codes: SMTP (aiosmtplib), or the terminal for trying.

The password comes from the environment variable the config names, never from the file.
"""

from __future__ import annotations

import asyncio
import os
import sys
from email.message import EmailMessage

import aiosmtplib

from bots.config import EmailSettings
from core.errors import MailNotSent, MissingToken
from core.mail import Mail, Mailer


class SmtpMailer:
    """Sends each email through the configured SMTP server, one connection per email."""

    def __init__(self, settings: EmailSettings, password: str | None) -> None:
        self._settings = settings
        self._password = password
        # A launch's thousands of signers at once would open as many connections; the mail
        # server (aiosmtpd in bench/sign_throughput.py) timed hundreds of them out.
        self._connections = asyncio.Semaphore(settings.max_connections)

    async def send(self, mail: Mail) -> None:
        async with self._connections:
            await self._send(mail)

    async def _send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self._settings.from_address
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        settings = self._settings
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.host,
                port=settings.port,
                username=settings.username,
                password=self._password,
                use_tls=settings.tls == "tls",
                start_tls=settings.tls == "starttls",
                timeout=settings.timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailNotSent("the mail server did not take the email") from exc


class ConsoleMailer:
    """Writes each email to the terminal (stderr), for `petition-bot chat` with no mail server."""

    async def send(self, mail: Mail) -> None:
        print(
            f"\n--- email to {mail.to} ---\nSubject: {mail.subject}\n\n{mail.body}\n---\n",
            file=sys.stderr,
            flush=True,
        )


def build_mailer(settings: EmailSettings | None) -> Mailer | None:
    """The transport ``[email]`` configures, or ``None`` without that section."""
    if settings is None:
        return None
    if settings.transport == "console":
        return ConsoleMailer()
    password = None
    if settings.password_env:
        password = os.environ.get(settings.password_env)
        if not password:
            raise MissingToken(
                f"[email] password_env names {settings.password_env}, which is not set"
            )
    return SmtpMailer(settings, password)
