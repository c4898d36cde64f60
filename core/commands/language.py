"""``/language``: the person picks the language the bot writes to them in, from the shipped ones.

The choice is stored per account and wins over the platform's language from then on, for
every message (broadcasts included). A signer in the middle of a step is asked the same
question again, now in the new language: nothing they answered is lost.
"""

from __future__ import annotations

from dataclasses import replace

from core.catalog import Catalog, language_name
from core.commands.base import Handler, Services
from core.messages import Choice, Outbound
from core.turn import Turn

CHOICE_PREFIX = "language:"


class LanguageCommands:
    """The ``/language`` command and the buttons it offers."""

    def __init__(self, services: Services) -> None:
        self._s = services

    @property
    def handlers(self) -> dict[str, Handler]:
        return {"language": self.language}

    async def language(self, turn: Turn) -> list[Outbound]:
        """``/language``: the shipped languages as buttons; ``/language es`` picks one."""
        if turn.inbound.args:
            return await self._choose(turn, turn.inbound.args[0])
        return [self._offer(turn, "language_ask")]

    async def on_choice(self, turn: Turn, data: str) -> list[Outbound]:
        """A pressed language button."""
        return await self._choose(turn, data.removeprefix(CHOICE_PREFIX))

    async def _choose(self, turn: Turn, wanted: str) -> list[Outbound]:
        language = shipped(self._s.catalog, wanted)
        if language is None:  # what was typed is not repeated: it may be in a group
            return [self._offer(turn, "language_unknown")]
        inbound = turn.inbound
        await self._s.store.choose_language(inbound.platform, inbound.user_id, language, turn.now)
        who = inbound.who.model_copy(update={"language": language})
        turn = replace(
            turn,
            inbound=inbound.model_copy(update={"who": who}),
            campaign=self._s.campaign.in_language(language),
        )
        replies = [turn.say("language_set", chosen=language_name(language, in_sentence=True))]
        state, _ = await self._s.conversations.load(turn)
        if state is not None:  # the step they were at, asked again in the new language
            # (its last message: a resumed signing's "here is where you left off" would
            # only repeat what they are in the middle of)
            replies += (await self._s.conversations.resume(turn, state))[-1:]
        return replies

    def _offer(self, turn: Turn, key: str) -> Outbound:
        languages = sorted(self._s.catalog.languages)
        buttons = [
            Choice(label=language_name(code), data=f"{CHOICE_PREFIX}{code}") for code in languages
        ]
        names = turn.catalog.listing([language_name(c) for c in languages], turn.inbound.language)
        return turn.say(key, choices=[buttons], languages=names)


def shipped(catalog: Catalog, wanted: str) -> str | None:
    """The shipped language ``wanted`` names (``es``, ``es-MX``, ``ES``), or ``None``."""
    base = wanted.strip().replace("_", "-").split("-")[0].lower()
    return base if base in catalog.languages else None
