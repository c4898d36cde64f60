"""The withdrawal confirmation: `/withdraw` asks once, and only "Yes, withdraw" erases."""

from __future__ import annotations

import secrets

from core.config import CampaignConfig, PetitionConfig
from core.messages import Outbound
from core.prompts import withdrawal_prompt
from core.states import WithdrawalState
from core.store import Store
from core.turn import Turn
from core.withdrawal import withdraw


class WithdrawalConversation:
    """Asks a signer to confirm a withdrawal; nothing is erased before they do."""

    def __init__(self, store: Store, campaign: CampaignConfig) -> None:
        self._store = store
        self._campaign = campaign

    async def begin(self, turn: Turn, petition: PetitionConfig) -> list[Outbound]:
        """Ask to confirm withdrawing the sender's signature on ``petition``."""
        inbound = turn.inbound
        if not await self._store.active_signature(petition.slug, inbound.platform, inbound.user_id):
            return [turn.say("not_signed", petition, title=petition.title, slug=petition.slug)]
        state = WithdrawalState(
            platform=inbound.platform,
            user_id=inbound.user_id,
            petition=petition.slug,
            nonce=secrets.token_urlsafe(6),
            updated_at=turn.now,
        )
        await self._store.save_conversation(state)
        return [withdrawal_prompt(turn, state, petition)]

    async def resume(self, turn: Turn, state: WithdrawalState) -> list[Outbound]:
        return [withdrawal_prompt(turn, state, self._petition(turn, state))]

    async def on_text(self, turn: Turn, state: WithdrawalState) -> list[Outbound]:
        petition = self._petition(turn, state)
        return [turn.say("use_buttons", petition), withdrawal_prompt(turn, state, petition)]

    async def on_choice(self, turn: Turn, state: WithdrawalState, name: str) -> list[Outbound]:
        petition = self._petition(turn, state)
        if name == "cancel":  # "Keep my signature"
            return await self.cancel(turn, state)
        if name != "withdraw":
            return [turn.say("button_not_now", petition), withdrawal_prompt(turn, state, petition)]
        await self._store.delete_conversation(state.platform, state.user_id)
        done = await withdraw(self._store, petition.slug, state.platform, state.user_id, turn.now)
        key = "withdrawn" if done else "not_signed"
        return [turn.say(key, petition, private=True, title=petition.title, slug=petition.slug)]

    async def on_form(self, turn: Turn, state: WithdrawalState) -> list[Outbound]:
        return [turn.say("stale_button", private=True)]  # no form belongs to a withdrawal

    async def cancel(self, turn: Turn, state: WithdrawalState) -> list[Outbound]:
        """Keep the signature as it is."""
        await self._store.delete_conversation(state.platform, state.user_id)
        petition = self._petition(turn, state)
        return [turn.say("withdraw_kept", petition, private=True, title=petition.title)]

    def _petition(self, turn: Turn, state: WithdrawalState) -> PetitionConfig:
        petition = turn.campaign.petition(state.petition)  # in the signer's language
        assert petition is not None, "Conversations.load drops states of removed petitions"
        return petition
