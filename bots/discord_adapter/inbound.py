"""Discord events as core `Inbound` messages, and what Discord can do for each of them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

import discord

from bots.discord_adapter.render import CHOICE_PREFIX, CUSTOM_ID_LIMIT, FORM_PREFIX, TEXT_LIMIT
from core.messages import (
    MAX_INBOUND_FILE_BYTES,
    Capabilities,
    Identity,
    Inbound,
    InboundFile,
    InboundKind,
)

PLATFORM = "discord"
MODAL_MAX_FIELDS = 5

# In servers the details are asked in a modal (which can only answer an interaction) and
# every private reply is ephemeral; direct messages hold the same question-at-a-time
# conversation as Telegram, buttons included.
# A button's custom id carries the core's data after the adapter's prefix; ids are counted in
# characters, and data within the limit in bytes is within it in characters too.
CHOICE_DATA_LIMIT = CUSTOM_ID_LIMIT - len(CHOICE_PREFIX)
SERVER_INTERACTION = Capabilities(
    max_text_length=TEXT_LIMIT,
    max_choice_data_bytes=CHOICE_DATA_LIMIT,
    native_forms=True,
    max_form_fields=MODAL_MAX_FIELDS,
    private_replies_in_groups=True,
)
DIRECT_MESSAGE = Capabilities(
    max_text_length=TEXT_LIMIT,
    max_choice_data_bytes=CHOICE_DATA_LIMIT,
    native_forms=False,
    private_replies_in_groups=True,
    accepts_files=True,  # a file attached to a typed command (/import)
)


def capabilities(interaction: discord.Interaction) -> Capabilities:
    """Forms for interactions in a server; the conversation a field at a time in DMs."""
    return DIRECT_MESSAGE if interaction.guild_id is None else SERVER_INTERACTION


def identity(
    user: discord.User | discord.Member,
    channel_id: int | None,
    *,
    private: bool,
    locale: discord.Locale | None = None,
) -> Identity:
    """Who and where: the member's roles count (as role groups), a DM is private."""
    roles = getattr(user, "roles", [])  # a Member in a server, a User in DMs
    return Identity(
        platform=PLATFORM,
        user_id=str(user.id),
        chat_id=str(channel_id),
        display_name=user.display_name,
        language=str(locale) if locale is not None else None,
        private=private,
        group_ids=tuple(str(role.id) for role in roles if not role.is_default()),
    )


def _who(interaction: discord.Interaction) -> Identity:
    return identity(
        interaction.user,
        interaction.channel_id,
        private=interaction.guild_id is None,
        locale=interaction.locale,
    )


def command_inbound(interaction: discord.Interaction, name: str, args: tuple[str, ...]) -> Inbound:
    """A slash command; its options, in declaration order, are the command's arguments."""
    return Inbound(kind=InboundKind.COMMAND, command=name, args=args, who=_who(interaction))


def component_inbound(interaction: discord.Interaction) -> Inbound | None:
    """A pressed button of ours (custom id ``pb:<choice data>``), else ``None``."""
    custom_id = custom_id_of(interaction)
    if not custom_id.startswith(CHOICE_PREFIX):
        return None
    data = custom_id.removeprefix(CHOICE_PREFIX)
    return Inbound(kind=InboundKind.CHOICE, text=data, who=_who(interaction))


def choice_inbound(interaction: discord.Interaction, data: str) -> Inbound:
    """A choice the adapter presses on the user's behalf (opening a form it no longer holds)."""
    return Inbound(kind=InboundKind.CHOICE, text=data, who=_who(interaction))


def form_inbound(interaction: discord.Interaction) -> Inbound | None:
    """A submitted modal of ours (custom id ``pb:<form id>``), else ``None``."""
    custom_id = custom_id_of(interaction)
    if not custom_id.startswith(FORM_PREFIX):
        return None
    components = _data(interaction).get("components", [])
    return Inbound(
        kind=InboundKind.FORM,
        form_id=custom_id.removeprefix(FORM_PREFIX),
        form=dict(_submitted_values(components)),
        who=_who(interaction),
    )


def message_inbound(
    message: discord.Message, attachment: InboundFile | None = None
) -> Inbound | None:
    """A direct message: ``/command args`` typed as text (with the file attached to it, if
    any), or an answer to the current step."""
    text = message.content.strip()
    if not text:
        return None  # a sticker or a file alone says nothing to the conversation
    who = identity(message.author, message.channel.id, private=True)
    if text.startswith("/"):
        command, *args = text[1:].split() or [""]
        return Inbound(
            who=who,
            kind=InboundKind.COMMAND,
            command=command,
            args=tuple(args),
            attachment=attachment,
        )
    return Inbound(who=who, kind=InboundKind.TEXT, text=text)


async def first_attachment(message: discord.Message) -> InboundFile | None:
    """The first file of a message that starts with a command, downloaded unless it is
    larger than the core takes (then only its name and size)."""
    if not message.attachments or not message.content.strip().startswith("/"):
        return None
    file = message.attachments[0]
    small = file.size <= MAX_INBOUND_FILE_BYTES
    content = await file.read() if small else None
    return InboundFile(filename=file.filename[:255], size=file.size, content=content)


def _data(interaction: discord.Interaction) -> Mapping[str, Any]:
    """The interaction's payload as a plain mapping (discord.py types it per interaction kind)."""
    data: Mapping[str, Any] = cast(Mapping[str, Any], interaction.data or {})
    return data


def custom_id_of(interaction: discord.Interaction) -> str:
    """The custom id of a pressed button or a submitted modal ("" when there is none)."""
    custom_id = _data(interaction).get("custom_id", "")
    return custom_id if isinstance(custom_id, str) else ""


def _submitted_values(components: Any) -> Iterator[tuple[str, str]]:
    """Every text input's custom id and value, whether in a label or an action row."""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, Mapping):
            continue
        if "custom_id" in component and isinstance(component.get("value"), str):
            yield component["custom_id"], component["value"]
        yield from _submitted_values(component.get("components"))
        child = component.get("component")
        if child is not None:
            yield from _submitted_values([child])
