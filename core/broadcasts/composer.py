"""Organizer commands for broadcasts, and the supporter's `/stop`.

`/broadcast` composes in a few steps (text → audience → preview with the exact recipients
per platform and the expected duration → Confirm or Cancel). Nothing is sent before
Confirm, and a second Confirm finds the broadcast no longer a draft.
"""

from __future__ import annotations

import secrets

from core.broadcasts.announcement import Announcements
from core.broadcasts.desk import BroadcastDesk, announcement_channels
from core.broadcasts.models import Broadcast, Delivery, DeliveryState
from core.catalog import language_name
from core.commands.base import Handler, Services, petition_from_args
from core.config import PetitionConfig
from core.errors import MessageTooLong
from core.markup import Markup
from core.messages import Choice, Outbound
from core.roles import Role
from core.states import BroadcastDraft, DraftStep
from core.turn import Turn

ALL = "all"


class BroadcastComposer:
    """`/broadcast`, `/broadcasts` and `/stop`, plus the steps of a broadcast draft."""

    def __init__(self, services: Services, desk: BroadcastDesk) -> None:
        self._s = services
        self._store = services.store
        self._desk = desk
        self._announcements = Announcements(services.catalog, services.campaign)

    @property
    def organizer_handlers(self) -> dict[str, Handler]:
        return {"broadcast": self.broadcast, "broadcasts": self.broadcasts}

    @property
    def supporter_handlers(self) -> dict[str, Handler]:
        return {"stop": self.stop}

    async def broadcast(self, turn: Turn) -> list[Outbound]:
        args = turn.inbound.args
        if args and args[0].lower() == "cancel":
            return await self._cancel_broadcast(turn, args[1:])
        target = self._audience(args[0]) if args else None
        if target is not None and len(args) > 1:
            return await self._preview(turn, target, " ".join(args[1:]))
        if args:
            return await self._ask_audience(turn, self._new_state(turn, " ".join(args)))
        state = self._new_state(turn, "")
        await self._store.save_conversation(state)
        return [self._ask_text(turn, state)]

    async def broadcasts(self, turn: Turn) -> list[Outbound]:
        recent = await self._store.recent_broadcasts(10)
        if not recent:
            return [turn.say("broadcasts_none")]
        lines = Markup()
        for broadcast in recent:
            totals = await self._store.totals(broadcast.id)
            lines += turn.text(
                "broadcasts_line",
                id=broadcast.id,
                audience=broadcast.petition or ALL,
                status=turn.text(f"broadcast_status_{broadcast.status.value}"),
                sent=totals[DeliveryState.DELIVERED],
                total=totals.total,
                unreachable=totals[DeliveryState.UNREACHABLE],
                failed=totals[DeliveryState.FAILED],
                created=f"{broadcast.created_at:%Y-%m-%d %H:%M}",
            )
        return [turn.say("broadcasts", lines=lines)]

    async def stop(self, turn: Turn) -> list[Outbound]:
        """Opt out of one petition's updates (default: the default petition), or of all."""
        args = turn.inbound.args
        inbound = turn.inbound
        if args and args[0].lower() == ALL:
            await self._store.set_updates(inbound.platform, inbound.user_id, None, False, turn.now)
            mine = await self._store.signatures_of(inbound.platform, inbound.user_id)
            signed = sum(1 for signature in mine if signature.active)
            key = "stopped_all" if signed else "stopped_all_not_signed"
            return [turn.say(key, private=True, signed=signed)]
        petition = petition_from_args(turn.campaign, args)
        await self._store.set_updates(
            inbound.platform, inbound.user_id, petition.slug, False, turn.now
        )
        signature = await self._store.active_signature(
            petition.slug, inbound.platform, inbound.user_id
        )
        key = "stopped" if signature else "stopped_not_signed"
        return [turn.say(key, petition, private=True, title=petition.title)]

    async def on_text(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        if state.step is DraftStep.TRANSLATION:
            return await self._translated(turn, state)
        if state.step is not DraftStep.TEXT:
            return [turn.say("use_buttons"), *await self.resume(turn, state)]
        state.text = turn.inbound.text
        return await self._ask_audience(turn, state)

    async def resume(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        """The current step of a broadcast being composed, with its buttons, changing nothing."""
        match state.step:
            case DraftStep.AUDIENCE:
                return [self._audience_question(turn, state)]
            case DraftStep.TRANSLATION:
                return [self._translation_question(turn, state)]
            case DraftStep.PREVIEW:
                assert state.broadcast_id is not None, "a preview has its broadcast"
                draft = await self._store.get_broadcast(state.broadcast_id)
                if draft is not None:
                    return [await self._preview_message(turn, state, draft)]
        return [self._ask_text(turn, state)]

    async def on_choice(self, turn: Turn, state: BroadcastDraft, name: str) -> list[Outbound]:
        if turn.role < Role.ORGANIZER:  # roles are re-checked on every privileged button
            await self._store.delete_conversation(turn.inbound.platform, turn.inbound.user_id)
            return [turn.say("not_allowed", command="broadcast")]
        if name == "cancel":
            return await self._drop(turn, state)
        if state.step is DraftStep.AUDIENCE and name.startswith("to:"):
            target = self._audience(name.removeprefix("to:"))
            if target is not None:
                await self._store.delete_conversation(state.platform, state.user_id)
                return await self._preview(turn, target, state.text)
        if state.step is DraftStep.PREVIEW and name == "confirm":
            return await self._confirm(turn, state)
        if state.step is DraftStep.PREVIEW and name.startswith("translate:"):
            return await self._ask_translation(turn, state, name.removeprefix("translate:"))
        return [turn.say("button_not_now"), *await self.resume(turn, state)]

    async def on_form(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        return [turn.say("stale_button", private=True)]  # no form belongs to a draft

    async def cancel(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        """`/cancel` while composing: the draft is forgotten."""
        await self._store.delete_conversation(state.platform, state.user_id)
        return [turn.say("broadcast_dropped", private=True)]

    def _new_state(self, turn: Turn, text: str, broadcast_id: int | None = None) -> BroadcastDraft:
        """A new draft: at its text step, or at the preview of the stored ``broadcast_id``."""
        return BroadcastDraft(
            platform=turn.inbound.platform,
            user_id=turn.inbound.user_id,
            step=DraftStep.TEXT if broadcast_id is None else DraftStep.PREVIEW,
            nonce=secrets.token_urlsafe(6),
            text=text,
            broadcast_id=broadcast_id,
            updated_at=turn.now,
        )

    async def _ask_audience(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        text = state.text.strip()
        if not text:
            return [self._ask_text(turn, state)]
        if len(text) > self._desk.max_length:
            # The draft stays at this step: a shorter text carries on, nothing to start again.
            limit, cancel = self._desk.max_length, [[self._cancel_button(turn, state)]]
            key = "broadcast_too_long_retry"
            return [turn.say(key, limit=limit, length=len(text), choices=cancel)]
        state.step = DraftStep.AUDIENCE
        state.text = text
        await self._store.save_conversation(state)
        return [self._audience_question(turn, state)]

    def _audience_question(self, turn: Turn, state: BroadcastDraft) -> Outbound:
        rows = [
            [
                turn.choice(
                    "broadcast_to_petition_button", f"{state.nonce}:to:{p.slug}", p, title=p.title
                )
            ]
            for p in turn.campaign.petitions
        ]
        rows.append([turn.choice("broadcast_to_all_button", f"{state.nonce}:to:{ALL}")])
        rows.append([self._cancel_button(turn, state)])
        labels = {p.slug: p.title for p in turn.campaign.petitions}
        return turn.say("broadcast_ask_audience", choices=rows, petitions=", ".join(labels))

    async def _preview(self, turn: Turn, target: PetitionConfig | str, text: str) -> list[Outbound]:
        petition = target if isinstance(target, PetitionConfig) else None
        inbound = turn.inbound
        try:
            origin = (inbound.platform, inbound.chat_id)
            language = inbound.language or "en"
            broadcast = await self._desk.draft(
                petition, text, inbound.user_key, origin, turn.now, language=language
            )
        except MessageTooLong as exc:
            return [self._too_long(turn, exc)]
        state = self._new_state(turn, text, broadcast.id)
        await self._store.save_conversation(state)
        return [await self._preview_message(turn, state, broadcast)]

    def _ask_text(self, turn: Turn, state: BroadcastDraft) -> Outbound:
        cancel = [[self._cancel_button(turn, state)]]
        return turn.say("broadcast_ask_text", limit=self._desk.max_length, choices=cancel)

    def _too_long(self, turn: Turn, refused: MessageTooLong) -> Outbound:
        return turn.say("broadcast_too_long", limit=refused.limit, length=refused.length)

    async def _preview_message(
        self, turn: Turn, state: BroadcastDraft, broadcast: Broadcast
    ) -> Outbound:
        """The draft as its recipients will see it, who gets it, and Confirm or Cancel."""
        inbound = turn.inbound
        petition = turn.campaign.petition(broadcast.petition) if broadcast.petition else None
        counts = await self._desk.audience(broadcast.petition)
        sample = self._announcements.message_for(
            broadcast, _sample(broadcast, inbound.platform, inbound.user_id, inbound.language)
        )
        confirm = turn.choice("broadcast_confirm_button", f"{state.nonce}:confirm")
        preview = turn.text(
            "broadcast_preview",
            id=broadcast.id,
            audience=petition.title if petition else turn.text("broadcast_everyone"),
            total=sum(counts.values()),
            platforms=self._per_platform(turn, counts),
            channels=len(self._channels(petition)),
            message=sample.text,
        ) + self._translations(turn, broadcast)
        others = sorted(self._s.catalog.languages - {inbound.language or ""})
        translate = [
            [turn.choice("broadcast_translate_button", f"{state.nonce}:translate:{language}",
                         language_name=_named(turn, language))]
            for language in others
        ]  # fmt: skip
        choices = [[confirm, self._cancel_button(turn, state)], *translate]
        return turn.reply(preview, choices=choices)

    def _translations(self, turn: Turn, broadcast: Broadcast) -> Markup:
        """The draft as readers of each of its other languages will see it."""
        inbound, shown = turn.inbound, Markup()
        for language in sorted(broadcast.translations):
            sample = _sample(broadcast, inbound.platform, inbound.user_id, language)
            shown += turn.text(
                "broadcast_preview_translation",
                language_name=_named(turn, language),
                message=self._announcements.message_for(broadcast, sample).text,
            )
        return shown

    async def _ask_translation(
        self, turn: Turn, state: BroadcastDraft, language: str
    ) -> list[Outbound]:
        """The optional step: the text in another shipped language, typed next."""
        if language not in self._s.catalog.languages:
            return [turn.say("button_not_now"), *await self.resume(turn, state)]
        state.step, state.language = DraftStep.TRANSLATION, language
        await self._store.save_conversation(state)
        return [self._translation_question(turn, state)]

    def _translation_question(self, turn: Turn, state: BroadcastDraft) -> Outbound:
        assert state.language is not None
        cancel = [[self._cancel_button(turn, state)]]
        return turn.say(
            "broadcast_ask_translation", choices=cancel, language_name=_named(turn, state.language)
        )

    async def _translated(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        assert state.broadcast_id is not None and state.language is not None
        try:
            draft = await self._desk.translate(
                state.broadcast_id, state.language, turn.inbound.text
            )
        except MessageTooLong as exc:
            return [self._too_long(turn, exc), *await self.resume(turn, state)]
        if draft is None:  # cancelled meanwhile
            await self._store.delete_conversation(state.platform, state.user_id)
            return [turn.say("broadcast_dropped")]
        state.step, state.language = DraftStep.PREVIEW, None
        await self._store.save_conversation(state)
        return [await self._preview_message(turn, state, draft)]

    def _per_platform(self, turn: Turn, counts: dict[str, int]) -> Markup:
        lines = Markup()
        rates = self._s.campaign.broadcasts
        for platform, count in sorted(counts.items()):
            seconds = count / rates.rate(platform)
            lines += turn.text(
                "broadcast_platform_line",
                platform=platform,
                count=count,
                duration=_duration(turn, seconds),
            )
        return lines if lines.spans else turn.text("broadcast_nobody")

    async def _confirm(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        await self._store.delete_conversation(state.platform, state.user_id)
        assert state.broadcast_id is not None, "a preview has its broadcast"
        broadcast_id = state.broadcast_id
        confirmed = await self._desk.confirm(broadcast_id, turn.inbound.user_key, turn.now)
        if confirmed is None:
            return [turn.say("broadcast_already_confirmed", id=broadcast_id)]
        return [turn.say("broadcast_confirmed", id=confirmed.id, total=confirmed.total)]

    async def _cancel_broadcast(self, turn: Turn, args: tuple[str, ...]) -> list[Outbound]:
        if not args or not args[0].lstrip("#").isdigit():
            return [turn.say("broadcast_cancel_usage")]
        broadcast_id = int(args[0].lstrip("#"))
        if not await self._desk.cancel(broadcast_id, turn.now):
            return [turn.say("broadcast_not_cancellable", id=broadcast_id)]
        return [turn.say("broadcast_cancelling", id=broadcast_id)]

    async def _drop(self, turn: Turn, state: BroadcastDraft) -> list[Outbound]:
        await self._store.delete_conversation(state.platform, state.user_id)
        if state.broadcast_id is not None:
            await self._desk.cancel(state.broadcast_id, turn.now)
        return [turn.say("broadcast_dropped")]

    def _audience(self, word: str) -> PetitionConfig | str | None:
        if word.lower() == ALL:
            return ALL
        return self._s.campaign.petition(word)

    def _channels(self, petition: PetitionConfig | None) -> list[tuple[str, str]]:
        return announcement_channels(self._s.campaign, petition)

    def _cancel_button(self, turn: Turn, state: BroadcastDraft) -> Choice:
        return turn.choice("button_cancel", f"{state.nonce}:cancel")


def _named(turn: Turn, language: str) -> str:
    """A language's name as the organizer reads it ("Spanish", "inglés")."""
    return language_name(language, in_sentence=True, reader=turn.inbound.language)


def _sample(broadcast: Broadcast, platform: str, user_id: str, language: str | None) -> Delivery:
    """A delivery to the organizer themselves, in ``language``, to show what people get."""
    return Delivery(
        id=0,
        broadcast_id=broadcast.id,
        platform=platform,
        address=user_id,
        kind="person",
        language=language,
    )


def _duration(turn: Turn, seconds: float) -> Markup:
    """Roughly how long, for a person: "under a minute", "12 min", "3 h 20 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return turn.text("duration_under_a_minute")
    hours, minutes = divmod(minutes, 60)
    if hours:
        return turn.text("duration_hours", hours=hours, minutes=minutes)
    return turn.text("duration_minutes", minutes=minutes)
