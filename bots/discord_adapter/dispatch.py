"""Every Discord event that reaches the core goes through here, one user at a time.

Slash commands, our buttons (custom id ``pb:``), our modals and direct messages become an
`Inbound`; the core answers; `InteractionReply` renders. Buttons and modals are matched by
custom id prefix alone, never by an in-memory view, so those sent before a restart still
work (the core answers a stale one clearly).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import discord

from bots.discord_adapter.deadline import Acknowledger
from bots.discord_adapter.inbound import (
    DIRECT_MESSAGE,
    capabilities,
    choice_inbound,
    command_inbound,
    component_inbound,
    custom_id_of,
    first_attachment,
    form_inbound,
    message_inbound,
)
from bots.discord_adapter.render import OPEN_FORM_PREFIX
from bots.discord_adapter.replies import InteractionReply, PendingForms, send_to_channel
from core.keyed_lock import KeyedLock
from core.messages import Capabilities, Inbound, Outbound

log = logging.getLogger(__name__)

CoreHandler = Callable[[Inbound, Capabilities], Awaitable[list[Outbound]]]


class Dispatcher:
    """Turns Discord events into core calls and the core's replies into Discord answers."""

    def __init__(self, handle: CoreHandler) -> None:
        self._handle = handle
        self.acknowledger = Acknowledger()
        self.forms = PendingForms()
        self._people = KeyedLock()

    async def on_command(
        self, interaction: discord.Interaction, name: str, args: tuple[str, ...]
    ) -> None:
        """A slash command, with its options as arguments."""
        await self._answer(interaction, command_inbound(interaction, name, args))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Our buttons and modals; slash commands come through the command tree instead."""
        if interaction.type is discord.InteractionType.component:
            custom_id = custom_id_of(interaction)
            if custom_id.startswith(OPEN_FORM_PREFIX):
                await self._open_pending_form(interaction, custom_id.removeprefix(OPEN_FORM_PREFIX))
                return
            inbound = component_inbound(interaction)
        elif interaction.type is discord.InteractionType.modal_submit:
            inbound = form_inbound(interaction)
            if inbound is not None:
                self.forms.drop(inbound.user_id, inbound.form_id)
        else:
            return
        if inbound is not None:
            await self._answer(interaction, inbound)

    async def on_message(self, message: discord.Message) -> None:
        """A direct message to the bot; server messages are not for the bot."""
        if message.author.bot or message.guild is not None:
            return
        if not isinstance(message.channel, discord.DMChannel):
            return
        inbound = message_inbound(message, await first_attachment(message))
        if inbound is None:
            return
        for reply in await self._core(inbound, DIRECT_MESSAGE):
            await send_to_channel(message.channel, reply, self.forms, inbound.user_id)

    async def _open_pending_form(self, interaction: discord.Interaction, form_id: str) -> None:
        """Show a form the core asked for earlier, with what the user typed and its error."""
        form = self.forms.get(str(interaction.user.id), form_id)
        if form is not None:
            await InteractionReply(interaction, self.forms).open_form(form)
            return
        # Not held any more (a restart): the form id is the core's "open the form" choice.
        await self._answer(interaction, choice_inbound(interaction, form_id))

    async def _answer(self, interaction: discord.Interaction, inbound: Inbound) -> None:
        reply = InteractionReply(interaction, self.forms)
        async with self.acknowledger.watching(reply):  # deferred if the core takes long
            replies = await self._core(inbound, capabilities(interaction))
        try:
            await reply.send(replies)
        except discord.NotFound as exc:  # 10062 / 10015: Discord no longer takes an answer
            log.warning("interaction=%s expired before its answer (%s)", interaction.id, exc.code)

    async def _core(self, inbound: Inbound, caps: Capabilities) -> list[Outbound]:
        """The core's answer; one user's events are handled one at a time, in order."""
        async with self._people.hold(inbound.user_id):
            return await self._handle(inbound, caps)
