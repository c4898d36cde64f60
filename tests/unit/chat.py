"""A fake chat for driving the core directly, in the manner of errbot's TestBot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.config import load_config
from core.bot import PetitionBot
from core.config import CampaignConfig
from core.messages import Capabilities, Inbound, InboundKind, Outbound

EXAMPLE = load_config(Path(__file__).parents[2] / "config.example.toml")
TERMINAL = Capabilities(max_text_length=4096)
GROUP_WITH_LINKS = Capabilities(deep_link_template="https://t.me/testbot?start={payload}")
FORMS = Capabilities(native_forms=True, max_form_fields=5, private_replies_in_groups=True)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def campaign(**roles: list[str]) -> CampaignConfig:
    """The example campaign, optionally with other roles."""
    config = EXAMPLE.campaign
    if roles:
        config = config.model_copy(update={"roles": config.roles.model_copy(update=roles)})
    return config


class Chat:
    """One person talking to the core; remembers the last buttons so a test can press them."""

    def __init__(
        self,
        bot: PetitionBot,
        user: str = "1",
        *,
        platform: str = "telegram",
        caps: Capabilities = TERMINAL,
        private: bool = True,
        group_ids: tuple[str, ...] = (),
        display_name: str = "Tester",
        language: str | None = None,
    ) -> None:
        self.bot = bot
        self.language = language  # the platform's, as an adapter reads it
        self.display_name = display_name
        self.user = user
        self.platform = platform
        self.caps = caps
        self.private = private
        self.group_ids = group_ids
        self.replies: list[Outbound] = []

    async def send(self, text: str) -> list[Outbound]:
        """A command when it starts with a slash, free text otherwise."""
        if text.startswith("/"):
            command, *args = text[1:].split()
            return await self._handle(kind=InboundKind.COMMAND, command=command, args=tuple(args))
        return await self._handle(kind=InboundKind.TEXT, text=text)

    async def press(self, label: str) -> list[Outbound]:
        """Press the button with this label (or label prefix) on the latest message with buttons."""
        for reply in reversed(self.replies):
            for choice in (c for row in reply.choices for c in row):
                if choice.label.startswith(label):
                    return await self.press_data(choice.data)
        raise AssertionError(f"no button {label!r} in the latest replies")

    async def press_data(self, data: str) -> list[Outbound]:
        return await self._handle(kind=InboundKind.CHOICE, text=data)

    async def submit(self, form_id: str, **values: str) -> list[Outbound]:
        return await self._handle(kind=InboundKind.FORM, form_id=form_id, form=values)

    @property
    def last(self) -> str:
        """The plain text of the latest reply."""
        return self.replies[-1].text.to_plain_text()

    @property
    def last_form_id(self) -> str:
        forms = [reply.form for reply in self.replies if reply.form]
        assert forms, "no form was requested"
        return forms[-1].form_id

    async def sign(self, name: str, email: str, zip_code: str = "12345", updates: bool = True):
        """The whole conversation on a platform without forms."""
        await self.send("/sign")
        await self.press("Yes, I want")
        await self.send(name)
        await self.send(email)
        await self.send(zip_code)
        await self.press("Yes, keep" if updates else "No, thanks")
        return await self.press("✅ Sign")

    async def _handle(self, **what: object) -> list[Outbound]:
        inbound = Inbound(
            platform=self.platform,
            user_id=self.user,
            chat_id=self.user if self.private else "-100",
            display_name=self.display_name,
            language=self.language,
            private=self.private,
            group_ids=self.group_ids,
            **what,
        )
        replies = await self.bot.handle(inbound, self.caps)
        self.replies.extend(replies)
        return replies
