"""Matrix events → `Inbound`: ``!command args`` (``/`` too), a typed number or label of the
choices last offered, a reaction on the bot's message; group chatter is not for the bot."""

from __future__ import annotations

from nio import MatrixRoom, ReactionEvent, RoomMessageText

from bots.matrix.render import KEYCAPS
from bots.matrix.sender import PLATFORM
from core.messages import Choice, Identity, Inbound, InboundKind

POWER_GROUP = "power:moderator"  # held at or above [matrix] moderator_power_level


def identity(room: MatrixRoom, sender: str, private: bool, moderator_level: int | None) -> Identity:
    """Who and where, built in this one place."""
    level = room.power_levels.get_user_level(sender)
    groups = (POWER_GROUP,) if moderator_level is not None and level >= moderator_level else ()
    member = room.users.get(sender)
    return Identity(
        platform=PLATFORM,
        user_id=sender,
        chat_id=room.room_id,
        display_name=(member.display_name if member else None) or sender,
        private=private,
        group_ids=groups,
    )


def chosen(text: str, offered: list[Choice]) -> Choice | None:
    """The choice a typed number, keycap or label names."""
    wanted = text.strip().rstrip(".").casefold()
    for number, choice in enumerate(offered, start=1):
        if wanted in (str(number), KEYCAPS[min(number, 9) - 1], choice.label.casefold()):
            return choice
    return None


def message_inbound(event: RoomMessageText, who: Identity, offered: list[Choice]) -> Inbound | None:
    """A command, a choice or text; in a group only commands count."""
    body = event.body.strip()
    if body[:1] in "!/" and len(body) > 1 and body[1].isalpha():
        name, *args = body[1:].split()
        return Inbound(
            who=who,
            kind=InboundKind.COMMAND,
            command=name.lower(),
            args=tuple(args),
            message_id=event.event_id,
        )
    if not who.private:
        return None
    choice = chosen(body, offered)
    if choice is not None:
        return Inbound(
            who=who, kind=InboundKind.CHOICE, text=choice.data, message_id=event.event_id
        )
    return Inbound(who=who, kind=InboundKind.TEXT, text=event.body, message_id=event.event_id)


def reaction_inbound(event: ReactionEvent, who: Identity, offered: list[Choice]) -> Inbound | None:
    """A reaction on a bot message with choices; any other reaction means nothing."""
    choice = chosen(event.key, offered)
    if choice is None:
        return None
    return Inbound(who=who, kind=InboundKind.CHOICE, text=choice.data, message_id=event.event_id)
