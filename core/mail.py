"""The mail port: what the core asks of a mail transport (SMTP, or the terminal for trying)."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict


class Mail(BaseModel):
    """One plain-text email to one address."""

    model_config = ConfigDict(frozen=True)

    to: str
    subject: str
    body: str


class Mailer(Protocol):
    """Hands an email to the mail server; raises ``core.errors.MailNotSent`` when it can't."""

    async def send(self, mail: Mail) -> None: ...


class CodeToSend(BaseModel):
    """A code a turn issued, emailed once the turn is committed (never while it holds a commit)."""

    model_config = ConfigDict(frozen=True)

    signature_id: int
    petition: str
    email: str
    code: str
    language: str | None = None
