"""What a broadcast looks like when it arrives: the organizer's text and how to opt out."""

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
        # Every recipient of a broadcast gets the same message: build it once per kind
        # (bench/broadcast.py: rendering per recipient was 67% of the worker's time).
        self._built: dict[tuple[int, str], Outbound] = {}

    def message_for(self, broadcast: Broadcast, delivery: Delivery) -> Outbound:
        """Channel posts carry the text alone; people also get a line on how to stop."""
        key = (broadcast.id, delivery.kind)
        if key not in self._built:
            text = render_template(broadcast.text)
            if delivery.kind == "person":
                text += self.footer(broadcast)
            if len(self._built) > 64:  # only broadcasts in progress matter
                self._built.clear()
            self._built[key] = Outbound(text=text)
        return self._built[key]

    def footer(self, broadcast: Broadcast) -> Markup:
        """The one line every person's copy ends with: how to stop these updates."""
        petition = self._campaign.petition(broadcast.petition) if broadcast.petition else None
        if petition is None:
            return self._catalog.render("broadcast_footer_all")
        return self._catalog.render(
            "broadcast_footer", None, petition.messages, title=petition.title, slug=petition.slug
        )
