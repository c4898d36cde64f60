"""What a broadcast looks like when it arrives: the organizer's text and how to opt out, in
the recipient's language (their translation of the text if the broadcast has one)."""

from __future__ import annotations

from core.broadcasts.models import Broadcast, Delivery
from core.catalog import Catalog
from core.config import CampaignConfig
from core.markup import Markup, render_template
from core.messages import Outbound


class Announcements:
    """Builds the message each recipient gets; organizers may use the catalog's markup."""

    def __init__(self, catalog: Catalog, campaign: CampaignConfig) -> None:
        self._catalog = catalog
        self._campaign = campaign
        # Every recipient of a broadcast in one language gets the same message: build it once
        # per kind and language (bench/broadcast.py: rendering per recipient was 67% of the
        # worker's time).
        self._built: dict[tuple[int, str, str], Outbound] = {}

    def message_for(self, broadcast: Broadcast, delivery: Delivery) -> Outbound:
        """Channel posts carry the default text alone; people get their language's text and
        a line on how to stop."""
        language = self._catalog.resolve(delivery.language)
        key = (broadcast.id, delivery.kind, language)
        if key not in self._built:
            if delivery.kind == "person":
                text = render_template(broadcast.text_in(language)) + self.footer(
                    broadcast, language
                )
            else:
                text = render_template(broadcast.text)
            if len(self._built) > 64:  # only broadcasts in progress matter
                self._built.clear()
            self._built[key] = Outbound(text=text)
        return self._built[key]

    def footer(self, broadcast: Broadcast, language: str | None = None) -> Markup:
        """The one line every person's copy ends with: how to stop these updates."""
        petition = self._campaign.petition(broadcast.petition) if broadcast.petition else None
        if petition is None:
            return self._catalog.render("broadcast_footer_all", language)
        petition = petition.in_language(language or petition.language)
        return self._catalog.render(
            "broadcast_footer",
            language,
            petition.messages,
            title=petition.title,
            slug=petition.slug,
        )
