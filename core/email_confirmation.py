"""Email confirmation by a code typed in the chat: issue, check, resend, and retry sending.

A signature on a petition with ``confirm_email`` is stored pending; it counts once its signer
types the 6-digit code emailed to them in the same chat. A typed code can't be used up by the
link scanners of mail filters, as confirmation links are. Codes are stored only as a salted
hash, expire, allow a few wrong tries, and can be sent again after a cool-down, a few times.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import math
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from core.catalog import Catalog
from core.config import CampaignConfig, PetitionConfig, PetitionLifecycle
from core.errors import MailNotSent
from core.lifecycle import Lifecycles
from core.mail import CodeToSend, Mail, Mailer
from core.messages import Choice, FormField, FormRequest, Outbound
from core.models import EmailCode, Signature
from core.signing_refusal import signing_refusal
from core.store import Store
from core.turn import Turn

log = logging.getLogger(__name__)

CODE_DIGITS = 6
# A code issued in a turn is mailed right after it; the background sender takes it over only
# if that send never reported back (a crash in between).
INLINE_SEND_GRACE = timedelta(minutes=2)
RETRY_FIRST = timedelta(seconds=30)
RETRY_LONGEST = timedelta(hours=1)
RETRY_POLL_SECONDS = 5.0
CHOICE_PREFIX = "code:"


def new_code() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(code: str, salt: str | None = None) -> str:
    """``salt$hex``: the code salted and hashed, the only form a code is stored in."""
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256(f'{salt}:{code}'.encode()).hexdigest()}"


def code_matches(code: str, stored: str) -> bool:
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_code(code, salt), stored)


def typed_code(text: str) -> str | None:
    """The digits of a message that looks like a code ("123 456", "123-456"), else ``None``."""
    digits = "".join(ch for ch in text if ch not in " -\u00a0")
    return digits if digits.isascii() and digits.isdigit() and len(digits) <= 12 else None


class EmailConfirmation:
    """The confirmation use cases for every entry point, and the background re-sender."""

    def __init__(
        self,
        store: Store,
        campaign: CampaignConfig,
        catalog: Catalog,
        mailer: Mailer | None,
        clock: Callable[[], datetime],
        lifecycles: Lifecycles,
    ) -> None:
        self._store = store
        self._lifecycles = lifecycles
        self._campaign = campaign
        self._settings = campaign.confirmation
        self._catalog = catalog
        self._mailer = mailer
        self._clock = clock
        self._retrying: asyncio.Task[None] | None = None

    @property
    def _lifetime(self) -> timedelta:
        return timedelta(hours=self._settings.code_lifetime_hours)

    # In a turn

    async def issue(
        self, turn: Turn, signature: Signature, previous: EmailCode | None = None
    ) -> None:
        """A new code for a pending signature, stored as a hash; mailed after the turn."""
        assert signature.email is not None, "confirm_email petitions ask for the email"
        code = new_code()
        await self._store.save_email_code(
            EmailCode(
                signature_id=signature.id,
                code_hash=hash_code(code),
                expires_at=turn.now + self._lifetime,
                emails_sent=previous.emails_sent if previous else 0,
                last_sent_at=previous.last_sent_at if previous else None,
                send_due_at=turn.now + INLINE_SEND_GRACE,
            )
        )
        turn.outbox.append(
            CodeToSend(
                signature_id=signature.id,
                petition=signature.petition,
                email=signature.email,
                code=code,
                language=turn.inbound.language,
            )
        )

    def buttons(self, turn: Turn, petition: PetitionConfig) -> list[list[Choice]]:
        """The buttons under "we emailed you a code": enter it (where there are forms), resend."""
        row = [
            turn.choice("button_resend_code", f"{CHOICE_PREFIX}resend:{petition.slug}", petition)
        ]
        if turn.caps.native_forms:
            enter = f"{CHOICE_PREFIX}enter:{petition.slug}"
            row.insert(0, turn.choice("button_enter_code", enter, petition))
        return [row]

    async def on_text(self, turn: Turn) -> list[Outbound] | None:
        """A typed code checked against the person's latest pending signature; ``None`` when
        the text is no code or nothing of theirs is waiting for one."""
        code = typed_code(turn.inbound.text)
        if code is None:
            return None
        pending = await self._pending(turn, None)
        if pending is None:
            return None
        return await self._check(turn, pending, code)

    async def on_choice(self, turn: Turn, data: str) -> list[Outbound]:
        """``code:resend:<slug>`` or ``code:enter:<slug>`` (opens the code form)."""
        action, _, slug = data.removeprefix(CHOICE_PREFIX).partition(":")
        petition = turn.campaign.petition(slug)
        pending = await self._pending(turn, slug) if petition else None
        if petition is None or pending is None:
            return [turn.say("code_nothing_pending", private=True)]
        if action == "enter":
            return [turn.say("code_enter", petition, form=self._form(turn, petition), private=True)]
        return await self._resend(turn, petition, pending)

    async def on_form(self, turn: Turn) -> list[Outbound]:
        """The submitted code form of one petition."""
        slug = turn.inbound.form_id.removeprefix(CHOICE_PREFIX)
        pending = await self._pending(turn, slug)
        code = typed_code(turn.inbound.form.get("code", ""))
        if pending is None:
            return [turn.say("code_nothing_pending", private=True)]
        return await self._check(turn, pending, code or "")

    async def _pending(self, turn: Turn, slug: str | None) -> Signature | None:
        mine = await self._store.signatures_of(turn.inbound.platform, turn.inbound.user_id)
        waiting = [
            s
            for s in mine
            if s.active
            and s.pending
            and (slug is None or s.petition == slug)
            and self._campaign.petition(s.petition) is not None
        ]
        return max(waiting, key=lambda s: s.id) if waiting else None

    def _form(self, turn: Turn, petition: PetitionConfig) -> FormRequest:
        label = turn.text("code_form_field", petition).to_plain_text()
        return FormRequest(
            form_id=f"{CHOICE_PREFIX}{petition.slug}",
            title=turn.text("code_form_title", petition).to_plain_text(),
            fields=(FormField(key="code", label=label, placeholder="123456", max_length=12),),
        )

    async def _stopped(self, turn: Turn, petition: PetitionConfig) -> list[Outbound] | None:
        """While the petition takes no signatures (paused, closed) a code neither confirms
        nor is sent, and no try is used up: the refusal; when paused, that it waits."""
        refusal = await signing_refusal(self._lifecycles, self._store, turn, petition, fresh=True)
        if refusal is None:
            return None
        if await self._lifecycles.of(petition, turn.now) is PetitionLifecycle.PAUSED:
            refusal.append(turn.say("code_kept_while_paused", petition, private=True))
        return refusal

    async def _check(self, turn: Turn, signature: Signature, code: str) -> list[Outbound]:
        petition = turn.campaign.petition(signature.petition)
        assert petition is not None
        if (refusal := await self._stopped(turn, petition)) is not None:
            return refusal
        stored = await self._store.email_code(signature.id)
        buttons = self.buttons(turn, petition)
        if stored is None or stored.wrong_tries >= self._settings.max_wrong_tries:
            return [turn.say("code_locked", petition, choices=buttons, private=True)]
        if turn.now >= stored.expires_at:
            return [turn.say("code_expired", petition, choices=buttons, private=True)]
        if code_matches(code, stored.code_hash):
            await self._store.confirm_signature(signature.id, turn.now)
            count = await self._store.count(petition.slug)
            return [
                turn.say(
                    "code_confirmed", petition, title=petition.title, count=count, private=True
                )
            ]
        wrong = stored.wrong_tries + 1
        await self._store.save_email_code(stored.model_copy(update={"wrong_tries": wrong}))
        left = self._settings.max_wrong_tries - wrong
        if left <= 0:
            return [turn.say("code_locked", petition, choices=buttons, private=True)]
        return [turn.say("code_wrong", petition, left=left, choices=buttons, private=True)]

    async def _resend(
        self, turn: Turn, petition: PetitionConfig, signature: Signature
    ) -> list[Outbound]:
        if (refusal := await self._stopped(turn, petition)) is not None:
            return refusal
        stored = await self._store.email_code(signature.id)
        if stored is not None and stored.emails_sent >= self._settings.max_emails:
            limit = self._settings.max_emails
            return [turn.say("code_resend_limit", petition, limit=limit, private=True)]
        cooldown = timedelta(seconds=self._settings.resend_cooldown_seconds)
        if stored is not None and stored.last_sent_at and turn.now < stored.last_sent_at + cooldown:
            wait = stored.last_sent_at + cooldown - turn.now
            seconds = max(1, math.ceil(wait.total_seconds()))
            return [turn.say("code_resend_wait", petition, seconds=seconds, private=True)]
        await self.issue(turn, signature, stored)
        buttons = self.buttons(turn, petition)
        return [turn.say("code_resent", petition, choices=buttons, private=True)]

    # After the turn

    async def deliver(self, outbox: list[CodeToSend]) -> list[Outbound]:
        """Email the codes a committed turn issued; a failure is told and retried later."""
        replies = []
        for item in outbox:
            if not await self._send(item):
                petition = self._campaign.petition(item.petition)
                petition = (
                    petition.in_language(item.language or petition.language) if petition else None
                )
                overrides = petition.messages if petition else None
                text = self._catalog.render("code_not_sent", item.language, overrides)
                replies.append(Outbound(text=text, private=True))
                self.ensure_retrying()
        return replies

    async def _send(self, item: CodeToSend) -> bool:
        petition = self._campaign.petition(item.petition)
        petition = petition.in_language(item.language or petition.language) if petition else None
        stored = await self._store.email_code(item.signature_id)
        if petition is None or stored is None or self._mailer is None:
            return False
        now = self._clock()
        try:
            await self._mailer.send(self._mail(item, petition))
        except MailNotSent as exc:
            failures = stored.send_failures + 1
            backoff = min(RETRY_FIRST * 2 ** (failures - 1), RETRY_LONGEST)
            # The mail server's trouble, not whose mail: no petition, no signature id.
            log.warning(
                "confirmation email not sent, failures=%d: %s",
                failures,
                type(exc.__cause__ or exc).__name__,
            )
            update = {"send_failures": failures, "send_due_at": now + backoff}
            await self._store.save_email_code(stored.model_copy(update=update))
            return False
        sent = {
            "emails_sent": stored.emails_sent + 1,
            "last_sent_at": now,
            "send_due_at": None,
            "send_failures": 0,
        }
        await self._store.save_email_code(stored.model_copy(update=sent))
        # Nothing logged: a line per mail sent, at the time someone signed, beside any line
        # naming an account, would tell who signed.
        return True

    def _mail(self, item: CodeToSend, petition: PetitionConfig) -> Mail:
        def render(key: str) -> str:
            return self._catalog.render(
                key,
                item.language,
                petition.messages,
                code=item.code,
                title=petition.title,
                hours=math.ceil(self._settings.code_lifetime_hours),
            ).to_plain_text()

        return Mail(
            to=item.email, subject=render("email_code_subject"), body=render("email_code_body")
        )

    # In the background

    async def retry_due(self) -> int:
        """Send a new code for each pending signature whose email is due; how many were tried."""
        now = self._clock()
        due = await self._store.email_codes_due(now, 100)
        for stored in due:
            signature = await self._store.signature(stored.signature_id)
            gone = signature is None or not signature.active or not signature.pending
            too_late = signature is not None and now > signature.signed_at + self._lifetime
            if gone or too_late or stored.emails_sent >= self._settings.max_emails:
                await self._store.save_email_code(stored.model_copy(update={"send_due_at": None}))
                continue
            assert signature is not None and signature.email is not None
            # The code of a failed send never reached anyone: a fresh one goes out.
            code = new_code()
            fresh = {"code_hash": hash_code(code), "expires_at": now + self._lifetime}
            await self._store.save_email_code(stored.model_copy(update=fresh))
            item = CodeToSend(
                signature_id=signature.id,
                petition=signature.petition,
                email=signature.email,
                code=code,
                language=signature.language,  # the signer's, as the first email was
            )
            await self._send(item)
        return len(due)

    def ensure_retrying(self) -> None:
        """Start the background re-sender once (it runs until :meth:`stop`)."""
        if self._mailer is None or (self._retrying and not self._retrying.done()):
            return
        self._retrying = asyncio.get_running_loop().create_task(self._retry_forever())

    async def _retry_forever(self) -> None:
        while True:
            try:
                await self.retry_due()
            except Exception:  # a failing store must not end retrying for good
                log.exception("retrying confirmation emails failed")
            await asyncio.sleep(RETRY_POLL_SECONDS)

    async def stop(self) -> None:
        """Stop the background re-sender."""
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
            self._retrying = None
