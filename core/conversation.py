"""The signing conversation: a small state machine whose state lives in the store.

pitch → confirm → each field (or one native form) → consent to updates → summary → signed,
with cancel and back at every step. The state is saved after every step, so a restarted
bot continues where the signer was.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from core.config import CampaignConfig, FieldName, PetitionConfig
from core.fields import InvalidField, validate_field
from core.markup import Markup
from core.messages import Outbound
from core.models import BROADCAST_STEPS, SIGNING_STEPS, ConversationState, Step
from core.prompts import closing, prompt, signature_form
from core.signing import sign
from core.store import Store
from core.turn import Turn
from core.withdrawal import withdraw


class SigningConversation:
    """Moves one person's conversation a step for each message, button or form they send."""

    def __init__(self, store: Store, campaign: CampaignConfig, idle_timeout: timedelta) -> None:
        self._store = store
        self._campaign = campaign
        self._idle_timeout = idle_timeout

    async def load(self, turn: Turn) -> tuple[ConversationState | None, bool]:
        """The sender's conversation, and whether an older one just expired."""
        inbound = turn.inbound
        state = await self._store.get_conversation(inbound.platform, inbound.user_id)
        if state is None or self._campaign.petition(state.petition) is None:
            return None, False
        if turn.now - state.updated_at > self._idle_timeout:
            await self._store.delete_conversation(inbound.platform, inbound.user_id)
            return None, True
        return state, False

    async def begin(
        self,
        turn: Turn,
        petition: PetitionConfig,
        *,
        source: str | None = None,
        referrer_code: str | None = None,
        confirmed: bool = False,
    ) -> list[Outbound]:
        """Start signing; ``confirmed`` skips the "sign?" question (the Sign button was pressed).

        Someone who already gave answers for this petition continues where they were: a
        repeated /sign or an old Sign button never wipes what they typed.
        """
        inbound = turn.inbound
        if await self._store.active_signature(petition.slug, inbound.platform, inbound.user_id):
            return [turn.say("already_signed", petition, private=True, title=petition.title)]
        current, _ = await self.load(turn)
        if current is not None and _has_answers_for(current, petition):
            return await self.resume(turn, current)
        state = ConversationState(
            platform=inbound.platform,
            user_id=inbound.user_id,
            petition=petition.slug,
            step=Step.CONFIRM,
            nonce=secrets.token_urlsafe(6),
            source=source,
            referrer_code=await self._valid_referrer(petition, referrer_code),
            updated_at=turn.now,
        )
        if confirmed:
            self._to_first_input(turn, state, petition)
        return await self._save_and_prompt(turn, state, petition)

    async def resume(self, turn: Turn, state: ConversationState) -> list[Outbound]:
        """Show where an unfinished conversation stands, changing nothing."""
        petition = self._petition(state)
        if state.step is Step.WITHDRAW:
            return [prompt(turn, state, petition)]
        note = turn.say("signing_resumed", petition, private=True, title=petition.title)
        return [note, prompt(turn, state, petition)]

    async def begin_withdrawal(self, turn: Turn, petition: PetitionConfig) -> list[Outbound]:
        """Ask to confirm a withdrawal; nothing is erased before the signer confirms."""
        inbound = turn.inbound
        if not await self._store.active_signature(petition.slug, inbound.platform, inbound.user_id):
            return [turn.say("not_signed", petition, title=petition.title, slug=petition.slug)]
        state = ConversationState(
            platform=inbound.platform,
            user_id=inbound.user_id,
            petition=petition.slug,
            step=Step.WITHDRAW,
            nonce=secrets.token_urlsafe(6),
            updated_at=turn.now,
        )
        return await self._save_and_prompt(turn, state, petition)

    async def cancel(self, turn: Turn, state: ConversationState | None = None) -> list[Outbound]:
        """Drop the conversation and everything typed into it, saying what that left as it was."""
        await self._store.delete_conversation(turn.inbound.platform, turn.inbound.user_id)
        if state is not None and state.step is Step.WITHDRAW:  # "Keep my signature"
            petition = self._petition(state)
            return [turn.say("withdraw_kept", petition, private=True, title=petition.title)]
        if state is not None and state.step in BROADCAST_STEPS:
            return [turn.say("broadcast_dropped", private=True)]
        return [turn.say("cancelled", private=True)]

    async def on_text(self, turn: Turn, state: ConversationState) -> list[Outbound]:
        """A typed answer: the value of the field being asked, or a nudge towards the buttons."""
        petition = self._petition(state)
        if state.step is not Step.FIELD:
            return [turn.say("use_buttons", petition), prompt(turn, state, petition)]
        field = petition.fields[state.field_index]
        problem = await self._check(turn, petition, field, turn.inbound.text)
        if isinstance(problem, Markup):
            return [turn.reply(problem, private=True), prompt(turn, state, petition)]
        state.answers[str(field)] = problem
        if state.editing or state.field_index + 1 == len(petition.fields):
            state.step = Step.SUMMARY if state.editing else Step.CONSENT
            state.editing = False
        else:
            state.field_index += 1
        return await self._save_and_prompt(turn, state, petition)

    async def on_form(self, turn: Turn, state: ConversationState) -> list[Outbound]:
        """A submitted native form: every field validated; on a problem the form comes back."""
        petition = self._petition(state)
        if state.step is not Step.FORM or turn.inbound.form_id != f"{state.nonce}:form":
            return [turn.say("stale_button", private=True)]
        answers = dict(state.answers)
        first_problem: Markup | None = None
        for field in petition.fields:
            raw = turn.inbound.form.get(str(field), "")
            checked = await self._check(turn, petition, field, raw)
            answers[str(field)] = raw if isinstance(checked, Markup) else checked
            if isinstance(checked, Markup) and first_problem is None:
                first_problem = checked
        state.answers = answers
        if first_problem is not None:
            # Kept, invalid values included, so the re-opened form (even after a restart)
            # shows what the signer typed; nothing moves on until every field is valid.
            state.updated_at = turn.now
            state.form_error = first_problem.to_plain_text()
            await self._store.save_conversation(state)
            form = signature_form(turn, state, petition)
            reopen = turn.choice("button_open_form", f"{state.nonce}:form", petition)
            cancel = turn.choice("button_cancel", f"{state.nonce}:cancel", petition)
            return [turn.reply(first_problem, form=form, choices=[[reopen, cancel]], private=True)]
        state.step = Step.SUMMARY if state.editing else Step.CONSENT
        state.editing = False
        state.form_error = None
        return await self._save_and_prompt(turn, state, petition)

    async def on_choice(self, turn: Turn, state: ConversationState, name: str) -> list[Outbound]:
        """A pressed button of this conversation."""
        petition = self._petition(state)
        if name == "cancel":
            return await self.cancel(turn, state)
        if name == "back":
            self._go_back(state, petition)
        elif state.step is Step.CONFIRM and name == "yes":
            self._to_first_input(turn, state, petition)
        elif state.step is Step.CONSENT and name in ("optin:1", "optin:0"):
            state.opted_in = name == "optin:1"
            state.step = Step.SUMMARY
        elif state.step is Step.SUMMARY and name == "confirm":
            return await self._finish(turn, state, petition)
        elif state.step is Step.SUMMARY and name == "edit":
            state.editing = True
            state.step = Step.FORM if state.used_form else Step.EDIT
        elif state.step is Step.EDIT and name.removeprefix("edit_") in petition.fields:
            state.field_index = petition.fields.index(FieldName(name.removeprefix("edit_")))
            state.step = Step.FIELD
        elif state.step is Step.WITHDRAW and name == "withdraw":
            return await self._withdraw(turn, state, petition)
        elif not (state.step is Step.FORM and name == "form"):
            return [turn.say("button_not_now", petition), prompt(turn, state, petition)]
        return await self._save_and_prompt(turn, state, petition)

    def _petition(self, state: ConversationState) -> PetitionConfig:
        petition = self._campaign.petition(state.petition)
        assert petition is not None, "load() drops conversations of removed petitions"
        return petition

    async def _check(
        self, turn: Turn, petition: PetitionConfig, field: FieldName, raw: str
    ) -> str | Markup:
        """The cleaned value, or the message that says what to send instead."""
        # Whether the address already signed is never checked here: saying so would tell
        # anyone whether a given person signed. The store's uniqueness decides at the end.
        try:
            return validate_field(field, raw, petition.country)
        except InvalidField as exc:
            return turn.text(exc.message_key, petition)

    def _uses_form(self, turn: Turn, petition: PetitionConfig) -> bool:
        caps = turn.caps
        return caps.native_forms and len(petition.fields) <= caps.max_form_fields

    def _to_first_input(
        self, turn: Turn, state: ConversationState, petition: PetitionConfig
    ) -> None:
        state.field_index = 0
        state.used_form = self._uses_form(turn, petition)
        state.step = Step.FORM if state.used_form else Step.FIELD

    def _go_back(self, state: ConversationState, petition: PetitionConfig) -> None:
        state.editing = False
        if state.step is Step.FIELD and state.field_index > 0:
            state.field_index -= 1
        elif state.step in (Step.FIELD, Step.FORM):
            state.step = Step.CONFIRM
        elif state.step is Step.CONSENT:
            state.field_index = len(petition.fields) - 1
            state.step = Step.FORM if state.used_form else Step.FIELD
        elif state.step in (Step.SUMMARY, Step.EDIT):
            state.step = Step.CONSENT if state.step is Step.SUMMARY else Step.SUMMARY

    async def _save_and_prompt(
        self, turn: Turn, state: ConversationState, petition: PetitionConfig
    ) -> list[Outbound]:
        state.updated_at = turn.now
        await self._store.save_conversation(state)
        return [prompt(turn, state, petition)]

    async def _finish(
        self, turn: Turn, state: ConversationState, petition: PetitionConfig
    ) -> list[Outbound]:
        outcome = await sign(self._store, petition, state, turn.now)
        await self._store.delete_conversation(state.platform, state.user_id)
        if outcome.signature is None and not outcome.by_email:
            return [turn.say("already_signed", petition, private=True, title=petition.title)]
        # A new signature and an address that had already signed close alike, word for word
        # and button for button: anything only a stored signature has (the count it made, a
        # referral link) would tell whether that address signed. /share and /status have them.
        return [turn.reply(closing(turn, state, petition), private=True)]

    async def _withdraw(
        self, turn: Turn, state: ConversationState, petition: PetitionConfig
    ) -> list[Outbound]:
        await self._store.delete_conversation(state.platform, state.user_id)
        done = await withdraw(self._store, petition.slug, state.platform, state.user_id, turn.now)
        key = "withdrawn" if done else "not_signed"
        return [turn.say(key, petition, private=True, title=petition.title, slug=petition.slug)]

    async def _valid_referrer(self, petition: PetitionConfig, code: str | None) -> str | None:
        """Keep a referral code only if it belongs to an active signer of this petition."""
        if code is None:
            return None
        referrer = await self._store.signature_by_ref_code(code)
        if referrer is None or not referrer.active or referrer.petition != petition.slug:
            return None
        return code


def _has_answers_for(state: ConversationState, petition: PetitionConfig) -> bool:
    """A signing of ``petition`` with something typed into it (not a withdrawal or a draft)."""
    signing = state.step in SIGNING_STEPS
    return signing and state.petition == petition.slug and bool(state.answers)
