"""The signing conversation: a small state machine whose state lives in the store.

pitch → confirm → each field (or one native form) → consent to updates → summary → signed,
with cancel and back at every step. The state is saved after every step, so a restarted
bot continues where the signer was.
"""

from __future__ import annotations

import secrets
from typing import TypeGuard

from core.config import CampaignConfig, FieldName, PetitionConfig
from core.conversations import Conversations
from core.email_confirmation import EmailConfirmation
from core.fields import InvalidField, validate_field
from core.lifecycle import Lifecycles
from core.markup import Markup
from core.messages import Outbound
from core.prompts import closing, prompt, signature_form
from core.signing import sign
from core.signing_refusal import signing_refusal
from core.states import ConversationState, SigningState, SigningStep
from core.store import Store
from core.turn import Turn


class SigningConversation:
    """Moves one person's signing a step for each message, button or form they send."""

    def __init__(
        self,
        store: Store,
        campaign: CampaignConfig,
        conversations: Conversations,
        confirmation: EmailConfirmation,
        lifecycles: Lifecycles,
    ) -> None:
        self._store = store
        self._campaign = campaign
        self._conversations = conversations
        self._confirmation = confirmation
        self._lifecycles = lifecycles

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
        refusal = await self.refusal(turn, petition)
        if refusal is not None:
            current, _ = await self._conversations.load(turn)
            if _has_answers_for(current, petition):  # dropped, as at every step of it
                await self._store.delete_conversation(inbound.platform, inbound.user_id)
            return refusal
        signed = await self._store.active_signature(
            petition.slug, inbound.platform, inbound.user_id
        )
        if signed is not None and signed.pending:
            buttons = self._confirmation.buttons(turn, petition)
            return [turn.say("code_waiting", petition, choices=buttons, private=True)]
        if signed is not None:
            return [turn.say("already_signed", petition, private=True, title=petition.title)]
        current, _ = await self._conversations.load(turn)
        if _has_answers_for(current, petition):
            return await self.resume(turn, current)
        state = SigningState(
            platform=inbound.platform,
            user_id=inbound.user_id,
            petition=petition.slug,
            step=SigningStep.CONFIRM,
            nonce=secrets.token_urlsafe(6),
            source=source,
            referrer_code=await self._valid_referrer(petition, referrer_code),
            updated_at=turn.now,
        )
        if confirmed:
            self._to_first_input(turn, state, petition)
        return await self._save_and_prompt(turn, state, petition)

    async def resume(self, turn: Turn, state: SigningState) -> list[Outbound]:
        """Show where an unfinished signing stands, changing nothing (unless the petition
        stopped taking signatures meanwhile: then the signing is dropped, as at every step)."""
        petition = self._petition(turn, state)
        if (refusal := await self._stopped(turn, state, petition)) is not None:
            return refusal
        note = turn.say("signing_resumed", petition, private=True, title=petition.title)
        return [note, prompt(turn, state, petition)]

    async def cancel(self, turn: Turn, state: SigningState) -> list[Outbound]:
        """Drop the signing and everything typed into it."""
        await self._store.delete_conversation(state.platform, state.user_id)
        return [turn.say("cancelled", private=True)]

    async def on_text(self, turn: Turn, state: SigningState) -> list[Outbound]:
        """A typed answer: the value of the field being asked, or a nudge towards the buttons."""
        petition = self._petition(turn, state)
        if (refusal := await self._stopped(turn, state, petition)) is not None:
            return refusal
        if state.step is not SigningStep.FIELD:
            return [turn.say("use_buttons", petition), prompt(turn, state, petition)]
        field = petition.fields[state.field_index]
        problem = await self._check(turn, petition, field, turn.inbound.text)
        if isinstance(problem, Markup):
            return [turn.reply(problem, private=True), prompt(turn, state, petition)]
        state.answers[str(field)] = problem
        if state.editing or state.field_index + 1 == len(petition.fields):
            state.step = SigningStep.SUMMARY if state.editing else SigningStep.CONSENT
            state.editing = False
        else:
            state.field_index += 1
        return await self._save_and_prompt(turn, state, petition)

    async def on_form(self, turn: Turn, state: SigningState) -> list[Outbound]:
        """A submitted native form: every field validated; on a problem the form comes back."""
        petition = self._petition(turn, state)
        if state.step is not SigningStep.FORM or turn.inbound.form_id != f"{state.nonce}:form":
            return [turn.say("stale_button", private=True)]
        if (refusal := await self._stopped(turn, state, petition)) is not None:
            return refusal
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
        state.step = SigningStep.SUMMARY if state.editing else SigningStep.CONSENT
        state.editing = False
        state.form_error = None
        return await self._save_and_prompt(turn, state, petition)

    async def on_choice(self, turn: Turn, state: SigningState, name: str) -> list[Outbound]:
        """A pressed button of this conversation."""
        petition = self._petition(turn, state)
        if name == "cancel":
            return await self.cancel(turn, state)
        if (refusal := await self._stopped(turn, state, petition)) is not None:
            return refusal
        if name == "back":
            self._go_back(state, petition)
        elif state.step is SigningStep.CONFIRM and name == "yes":
            self._to_first_input(turn, state, petition)
        elif state.step is SigningStep.CONSENT and name in ("optin:1", "optin:0"):
            state.opted_in = name == "optin:1"
            state.step = SigningStep.SUMMARY
        elif state.step is SigningStep.SUMMARY and name == "confirm":
            return await self._finish(turn, state, petition)
        elif state.step is SigningStep.SUMMARY and name == "edit":
            state.editing = True
            state.step = SigningStep.FORM if state.used_form else SigningStep.EDIT
        elif state.step is SigningStep.EDIT and name.removeprefix("edit_") in petition.fields:
            state.field_index = petition.fields.index(FieldName(name.removeprefix("edit_")))
            state.step = SigningStep.FIELD
        elif not (state.step is SigningStep.FORM and name == "form"):
            return [turn.say("button_not_now", petition), prompt(turn, state, petition)]
        return await self._save_and_prompt(turn, state, petition)

    async def refusal(
        self, turn: Turn, petition: PetitionConfig, *, fresh: bool = False
    ) -> list[Outbound] | None:
        """The answer to a signing attempt when the petition is not open (not yet, paused or
        closed), with its count; ``None`` when it takes signatures."""
        return await signing_refusal(self._lifecycles, self._store, turn, petition, fresh=fresh)

    async def _stopped(
        self, turn: Turn, state: SigningState, petition: PetitionConfig, *, fresh: bool = False
    ) -> list[Outbound] | None:
        """At every step: if the petition stopped taking signatures (paused, closed) since
        the signing began, the answer, and nothing typed into it is kept."""
        refusal = await self.refusal(turn, petition, fresh=fresh)
        if refusal is not None:
            await self._store.delete_conversation(state.platform, state.user_id)
        return refusal

    def _petition(self, turn: Turn, state: SigningState) -> PetitionConfig:
        petition = turn.campaign.petition(state.petition)  # in the signer's language
        assert petition is not None, "Conversations.load drops states of removed petitions"
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

    def _to_first_input(self, turn: Turn, state: SigningState, petition: PetitionConfig) -> None:
        state.field_index = 0
        state.used_form = self._uses_form(turn, petition)
        state.step = SigningStep.FORM if state.used_form else SigningStep.FIELD

    def _go_back(self, state: SigningState, petition: PetitionConfig) -> None:
        state.editing = False
        if state.step is SigningStep.FIELD and state.field_index > 0:
            state.field_index -= 1
        elif state.step in (SigningStep.FIELD, SigningStep.FORM):
            state.step = SigningStep.CONFIRM
        elif state.step is SigningStep.CONSENT:
            state.field_index = len(petition.fields) - 1
            state.step = SigningStep.FORM if state.used_form else SigningStep.FIELD
        elif state.step in (SigningStep.SUMMARY, SigningStep.EDIT):
            state.step = (
                SigningStep.CONSENT if state.step is SigningStep.SUMMARY else SigningStep.SUMMARY
            )

    async def _save_and_prompt(
        self, turn: Turn, state: SigningState, petition: PetitionConfig
    ) -> list[Outbound]:
        state.updated_at = turn.now
        await self._store.save_conversation(state)
        return [prompt(turn, state, petition)]

    async def _finish(
        self, turn: Turn, state: SigningState, petition: PetitionConfig
    ) -> list[Outbound]:
        # What counts is decided here: a pause made a moment ago in any process holds.
        if (refusal := await self._stopped(turn, state, petition, fresh=True)) is not None:
            return refusal
        language = turn.inbound.language or petition.language
        outcome = await sign(self._store, petition, state, turn.now, language)
        await self._store.delete_conversation(state.platform, state.user_id)
        if outcome.signature is not None:
            turn.signed.append(outcome.signature)
        if outcome.signature is None and not outcome.by_email:
            return [turn.say("already_signed", petition, private=True, title=petition.title)]
        # A new signature and an address that had already signed close alike, word for word
        # and button for button: anything only a stored signature has (the count it made, a
        # referral link) would tell whether that address signed. /share and /status have them.
        if not petition.confirm_email:
            return [turn.reply(closing(turn, state, petition), private=True)]
        # The same words and buttons when the address had already signed (no code is sent).
        if outcome.signature is not None:
            await self._confirmation.issue(turn, outcome.signature)
        text = closing(turn, state, petition) + turn.text("signed_check_email", petition)
        buttons = self._confirmation.buttons(turn, petition)
        return [turn.reply(text, choices=buttons, private=True)]

    async def _valid_referrer(self, petition: PetitionConfig, code: str | None) -> str | None:
        """Keep a referral code only if it belongs to an active signer of this petition."""
        if code is None:
            return None
        referrer = await self._store.signature_by_ref_code(code)
        if referrer is None or not referrer.active or referrer.petition != petition.slug:
            return None
        return code


def _has_answers_for(
    state: ConversationState | None, petition: PetitionConfig
) -> TypeGuard[SigningState]:
    """A signing of ``petition`` with something typed into it (not a withdrawal or a draft)."""
    match state:
        case SigningState(petition=slug, answers=answers):
            return slug == petition.slug and bool(answers)
    return False
