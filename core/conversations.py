"""A person's conversation in progress: loaded from the store, expired when idle, and each
turn handed to the state machine its type belongs to (signing, withdrawal, broadcast draft)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol, TypeVar

from core.config import CampaignConfig
from core.messages import Outbound
from core.states import (
    BaseState,
    BroadcastDraft,
    ConversationState,
    ExpiredState,
    SigningState,
    WithdrawalState,
)
from core.store import Store
from core.turn import Turn

S = TypeVar("S", bound=BaseState)
S_contra = TypeVar("S_contra", bound=BaseState, contravariant=True)


class ConversationMachine(Protocol[S_contra]):
    """What every kind of conversation answers, given its own state."""

    async def resume(self, turn: Turn, state: S_contra) -> list[Outbound]:
        """The current step again, changing nothing."""
        ...

    async def on_text(self, turn: Turn, state: S_contra) -> list[Outbound]:
        """Free text typed while the conversation waits."""
        ...

    async def on_choice(self, turn: Turn, state: S_contra, name: str) -> list[Outbound]:
        """A pressed button of this conversation (its data without the nonce)."""
        ...

    async def on_form(self, turn: Turn, state: S_contra) -> list[Outbound]:
        """A submitted native form."""
        ...

    async def cancel(self, turn: Turn, state: S_contra) -> list[Outbound]:
        """`/cancel`: forget the conversation, saying what that left as it was."""
        ...


class Conversations:
    """Loads each person's conversation and routes it by its type to the registered machine."""

    def __init__(self, store: Store, campaign: CampaignConfig, idle_timeout: timedelta) -> None:
        self._store = store
        self._campaign = campaign
        self._idle_timeout = idle_timeout
        self._machines: dict[type[BaseState], ConversationMachine[Any]] = {}

    def register(self, kind: type[S], machine: ConversationMachine[S]) -> None:
        """Hand every state of type ``kind`` to ``machine``."""
        self._machines[kind] = machine

    @property
    def kinds(self) -> frozenset[type[BaseState]]:
        """The state types that have a machine."""
        return frozenset(self._machines)

    async def load(self, turn: Turn) -> tuple[ConversationState | None, bool]:
        """The sender's conversation, and whether an older one just expired."""
        inbound = turn.inbound
        state = await self._store.get_conversation(inbound.platform, inbound.user_id)
        if state is None or not self._still_configured(state):
            return None, False
        if isinstance(state, ExpiredState) or turn.now - state.updated_at > self._idle_timeout:
            await self._store.delete_conversation(inbound.platform, inbound.user_id)
            return None, True
        return state, False

    async def resume(self, turn: Turn, state: ConversationState) -> list[Outbound]:
        return await self._machine(state).resume(turn, state)

    async def on_text(self, turn: Turn, state: ConversationState) -> list[Outbound]:
        return await self._machine(state).on_text(turn, state)

    async def on_choice(self, turn: Turn, state: ConversationState, name: str) -> list[Outbound]:
        return await self._machine(state).on_choice(turn, state, name)

    async def on_form(self, turn: Turn, state: ConversationState) -> list[Outbound]:
        return await self._machine(state).on_form(turn, state)

    async def cancel(self, turn: Turn, state: ConversationState) -> list[Outbound]:
        return await self._machine(state).cancel(turn, state)

    def _machine(self, state: ConversationState) -> ConversationMachine[Any]:
        return self._machines[type(state)]

    def _still_configured(self, state: ConversationState) -> bool:
        """False for a signing or withdrawal whose petition was removed from the config."""
        match state:
            case SigningState(petition=slug) | WithdrawalState(petition=slug):
                return self._campaign.petition(slug) is not None
            case BroadcastDraft() | ExpiredState():
                return True  # an audience is chosen, and checked, when the preview is made
