"""What every command handler receives, and how commands find the petition they mean."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.catalog import Catalog
from core.config import CampaignConfig, PetitionConfig
from core.conversation import SigningConversation
from core.conversations import Conversations
from core.errors import BadInput
from core.exports import Exports
from core.figures import Figures
from core.lifecycle import Lifecycles
from core.messages import Outbound
from core.paper.importer import SignatureImport
from core.store import Store
from core.turn import Turn
from core.withdrawal_conversation import WithdrawalConversation


@dataclass(frozen=True)
class Services:
    """The core's collaborators, shared by every command."""

    store: Store
    campaign: CampaignConfig
    catalog: Catalog
    conversations: Conversations  # whichever one a person is in: loaded, cancelled
    conversation: SigningConversation
    withdrawal: WithdrawalConversation
    exports: Exports
    figures: Figures
    lifecycles: Lifecycles  # whether each petition takes signatures; pause and resume
    imports: SignatureImport


Handler = Callable[[Turn], Awaitable[list[Outbound]]]


class UnknownPetition(BadInput):
    """A command named a petition slug that is not configured."""

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


def petition_from_args(campaign: CampaignConfig, args: tuple[str, ...]) -> PetitionConfig:
    """The petition named by the first argument, or the default one when there is none."""
    if not args:
        return campaign.default_petition
    petition = campaign.petition(args[0])
    if petition is None:
        raise UnknownPetition(args[0])
    return petition
