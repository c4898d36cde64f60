"""One turn of the conversation: the inbound message and what answering it needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.catalog import Catalog
from core.config import CampaignConfig, PetitionConfig
from core.mail import CodeToSend
from core.markup import Markup
from core.messages import (
    Attachment,
    Capabilities,
    Choice,
    FormRequest,
    Inbound,
    LinkButton,
    Outbound,
)
from core.models import Signature
from core.referrals import payload
from core.roles import Role


@dataclass(frozen=True)
class Turn:
    """The context a handler answers in; ``say`` builds replies from the catalog."""

    inbound: Inbound
    caps: Capabilities
    role: Role
    campaign: CampaignConfig
    catalog: Catalog
    now: datetime
    # Confirmation codes to email once the turn's writes are committed.
    outbox: list[CodeToSend] = field(default_factory=list)
    # Signatures the turn stored, checked for bursts once committed (core/alerts/watch.py).
    signed: list[Signature] = field(default_factory=list)

    def text(self, key: str, petition: PetitionConfig | None = None, **values: object) -> Markup:
        """A catalog message in the sender's language, with the petition's overrides."""
        overrides = petition.messages if petition else None
        return self.catalog.render(key, self.inbound.language, overrides, **values)

    def say(
        self,
        key: str,
        petition: PetitionConfig | None = None,
        *,
        choices: Sequence[Sequence[Choice]] = (),
        links: Sequence[LinkButton] = (),
        form: FormRequest | None = None,
        file: Attachment | None = None,
        private: bool = False,
        **values: object,
    ) -> Outbound:
        """One outbound message built from a catalog key."""
        return self.reply(
            self.text(key, petition, **values),
            choices=choices,
            links=links,
            form=form,
            file=file,
            private=private,
        )

    def reply(
        self,
        text: Markup,
        *,
        choices: Sequence[Sequence[Choice]] = (),
        links: Sequence[LinkButton] = (),
        form: FormRequest | None = None,
        file: Attachment | None = None,
        private: bool = False,
    ) -> Outbound:
        """One outbound message from already-built markup."""
        return Outbound(
            text=text,
            choices=tuple(tuple(row) for row in choices),
            links=tuple(links),
            form=form,
            file=file,
            private=private,
        )

    def choice(
        self, key: str, data: str, petition: PetitionConfig | None = None, **values: object
    ) -> Choice:
        """A button labelled from the catalog."""
        return Choice(label=self.text(key, petition, **values).to_plain_text(), data=data)

    @property
    def in_group_without_privacy(self) -> bool:
        """True where a reply would be seen by everyone in the chat."""
        return not self.inbound.private and not self.caps.private_replies_in_groups

    def private_link(
        self, petition: str | None = None, command: str | None = None
    ) -> LinkButton | None:
        """A button into the private chat with the bot, where the platform has deep links."""
        if not self.caps.deep_link_template:
            return None
        url = self.caps.deep_link_template.format(payload=payload(petition, command=command))
        return LinkButton(label=self.text("button_private_chat").to_plain_text(), url=url)
