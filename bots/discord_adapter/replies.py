"""Answering one interaction with the core's replies: exactly one response, then followups.

Discord's rules shape this module: the first response comes within 3 seconds (or a defer),
a modal can only be that first response and never answers a modal, and a private reply in a
server is ephemeral. A form the core asks for when no modal can be shown is kept for the
user (`PendingForms`) behind a button that opens it with its values and its error.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence

import discord

from bots.discord_adapter.render import Rendered, build_modal, edit_kwargs, message_kwargs, render
from core.messages import FormRequest, Outbound

log = logging.getLogger(__name__)

PENDING_FORMS_LIMIT = 10_000


class PendingForms:
    """Forms waiting for their user to press "open", by (user id, form id); memory only."""

    def __init__(self, limit: int = PENDING_FORMS_LIMIT) -> None:
        self._forms: OrderedDict[tuple[str, str], FormRequest] = OrderedDict()
        self._limit = limit

    def keep(self, user_id: str, form: FormRequest) -> None:
        self._forms[(user_id, form.form_id)] = form
        self._forms.move_to_end((user_id, form.form_id))
        while len(self._forms) > self._limit:
            self._forms.popitem(last=False)

    def get(self, user_id: str, form_id: str) -> FormRequest | None:
        return self._forms.get((user_id, form_id))

    def drop(self, user_id: str, form_id: str) -> None:
        self._forms.pop((user_id, form_id), None)


class InteractionReply:
    """The one response to an interaction and the followups after it."""

    def __init__(self, interaction: discord.Interaction, forms: PendingForms) -> None:
        self._interaction = interaction
        self._forms = forms
        self._user_id = str(interaction.user.id)
        self._in_server = interaction.guild_id is not None
        self._deferred = False
        self._sent = False
        self._turn = asyncio.Lock()  # a defer and the answer never overlap

    @property
    def done(self) -> bool:
        return self._interaction.response.is_done()

    async def defer(self) -> None:
        """Acknowledge now and answer later: a private "thinking…" for commands."""
        async with self._turn:
            if self.done:
                return
            is_command = self._is_command()
            await self._interaction.response.defer(ephemeral=self._in_server, thinking=is_command)
            self._deferred = True

    async def open_form(self, form: FormRequest) -> None:
        """Show ``form`` as a modal (the caller knows the interaction can still take one)."""
        async with self._turn:
            await self._interaction.response.send_modal(build_modal(form))

    async def send(self, replies: Sequence[Outbound]) -> None:
        """Render every reply in order; a form becomes the modal when it still can."""
        async with self._turn:
            with_form = next((reply for reply in replies if reply.form is not None), None)
            if with_form is not None and with_form.form is not None and self._can_show_modal():
                if len(replies) > 1:
                    log.debug("modal shown instead of %d other replies", len(replies) - 1)
                await self._interaction.response.send_modal(build_modal(with_form.form))
                return
            for reply in replies:
                await self._send_one(reply)
            if not replies and not self.done and not self._is_command():
                await self._interaction.response.defer()  # nothing to say: just acknowledge

    def _can_show_modal(self) -> bool:
        kind = self._interaction.type
        modal_answerable = kind in (
            discord.InteractionType.application_command,
            discord.InteractionType.component,
        )
        return modal_answerable and not self.done

    async def _send_one(self, reply: Outbound) -> None:
        open_form = reply.form
        if open_form is not None:
            self._forms.keep(self._user_id, open_form)
        rendered = render(reply, open_form=open_form)
        ephemeral = reply.private and self._in_server
        for index, piece in enumerate(rendered.pieces):
            last = index == len(rendered.pieces) - 1
            if not self._sent and self._edits_clicked_message():
                await self._edit_clicked(rendered, index, last)
            elif not self._sent and not self.done:
                kwargs = message_kwargs(piece, rendered, last)
                await self._interaction.response.send_message(ephemeral=ephemeral, **kwargs)
            elif not self._sent and self._answers_after_private_defer(ephemeral):
                await self._public_after_private_defer(rendered, index, last)
            else:
                kwargs = message_kwargs(piece, rendered, last)
                await self._interaction.followup.send(ephemeral=ephemeral, **kwargs)
            self._sent = True

    def _answers_after_private_defer(self, ephemeral: bool) -> bool:
        """A public answer to a server command deferred as a private "thinking…"."""
        return self._deferred and self._in_server and not ephemeral and self._is_command()

    def _is_command(self) -> bool:
        return self._interaction.type is discord.InteractionType.application_command

    def _edits_clicked_message(self) -> bool:
        """A click on (or a modal opened from) a private message moves that message along."""
        message = self._interaction.message
        return (
            self._interaction.type
            in (discord.InteractionType.component, discord.InteractionType.modal_submit)
            and message is not None
            and message.flags.ephemeral
        )

    async def _edit_clicked(self, rendered: Rendered, index: int, last: bool) -> None:
        kwargs = edit_kwargs(rendered.pieces[index], rendered, last)
        if self.done:
            await self._interaction.edit_original_response(**kwargs)
        else:
            await self._interaction.response.edit_message(**kwargs)

    async def _public_after_private_defer(self, rendered: Rendered, index: int, last: bool) -> None:
        """A public answer after a private "thinking…": finish that, post in the channel."""
        piece = rendered.pieces[index]
        await self._interaction.edit_original_response(content=piece.content, embeds=piece.embeds)
        await self._interaction.followup.send(
            ephemeral=False, **message_kwargs(piece, rendered, last)
        )
        await self._interaction.delete_original_response()


async def send_to_channel(
    channel: discord.abc.Messageable,
    reply: Outbound,
    forms: PendingForms | None = None,
    user_id: str | None = None,
) -> list[discord.Message]:
    """Post one reply outside an interaction (a DM answer, a broadcast); returns the messages."""
    open_form = reply.form
    if open_form is not None and forms is not None and user_id is not None:
        forms.keep(user_id, open_form)
    rendered = render(reply, open_form=open_form)
    sent = []
    for index, piece in enumerate(rendered.pieces):
        last = index == len(rendered.pieces) - 1
        sent.append(await channel.send(**message_kwargs(piece, rendered, last)))
    return sent
