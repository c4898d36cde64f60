"""On Discord the emailed code is entered in a small modal opened from the ephemeral
"check your email" message; the code is read from a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import simcord
from discord_helpers import GOOD_FORM, SLUG, World, discord_bot, labels

from bots.config import EmailSettings
from tests.smtp_server import SmtpServer


async def test_the_code_modal_confirms_the_signature(world: World, smtp: SmtpServer) -> None:
    config = world.config.model_copy(
        update={
            "petitions": tuple(
                p.model_copy(update={"confirm_email": True}) for p in world.config.petitions
            ),
            "email": EmailSettings(host="127.0.0.1", port=smtp.port, tls="none"),
        }
    )
    await world.env.restart_bot(discord_bot(config, world.store))
    alice = world.alice
    confirm = await alice.slash(world.channel, "sign")
    shown = await alice.click(confirm.response, label="Yes, I want to sign")
    consent = await alice.submit_modal(shown, GOOD_FORM)
    summary = await alice.click(consent.response, label="Yes, keep me posted")
    signed = await alice.click(summary.response, label="✅ Sign")
    assert "6-digit code" in signed.response.content
    assert signed.response.message.flags.ephemeral
    assert labels(signed.response) == ["Enter the code", "Send a new code"]
    assert await world.store.count(SLUG) == 0

    code = smtp.inbox.codes_to(GOOD_FORM["email"])[-1]
    modal = await alice.click(signed.response, label="Enter the code")
    assert modal.modal is not None and modal.modal["title"] == "Your confirmation code"
    done = await alice.submit_modal(modal, {"code": code})
    assert "Confirmed" in done.response.content
    assert await world.store.count(SLUG) == 1
    assert world.channel.history() == []  # nothing of it in the channel
    simcord.assert_no_errors(world.env)
