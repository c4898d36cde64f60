"""The answer to a signing step on a petition that takes no signatures now (not open yet,
paused, closed): the same words for a new signing, a step of one, and an emailed code."""

from __future__ import annotations

from core.config import PetitionConfig, PetitionLifecycle
from core.lifecycle import Lifecycles
from core.messages import Outbound
from core.store import Store
from core.turn import Turn

# What a signing attempt is told when the petition takes none.
_REFUSALS = {
    PetitionLifecycle.NOT_OPEN: "petition_not_open",
    PetitionLifecycle.PAUSED: "petition_paused",
    PetitionLifecycle.CLOSED: "petition_closed",
}


async def signing_refusal(
    lifecycles: Lifecycles,
    store: Store,
    turn: Turn,
    petition: PetitionConfig,
    *,
    fresh: bool = False,
) -> list[Outbound] | None:
    """The refusal with the petition's count; ``None`` when it takes signatures. ``fresh``
    where a signature would count (see core/lifecycle.py)."""
    lifecycle = await lifecycles.of(petition, turn.now, fresh=fresh)
    if lifecycle is PetitionLifecycle.OPEN:
        return None
    count = await store.count(petition.slug)
    when = petition.opens_at if lifecycle is PetitionLifecycle.NOT_OPEN else None
    opens = when.strftime("%Y-%m-%d %H:%M UTC") if when else ""
    return [
        turn.say(
            _REFUSALS[lifecycle],
            petition,
            private=True,
            title=petition.title,
            count=count,
            opens_at=opens,
        )
    ]
