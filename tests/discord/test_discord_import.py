"""An organizer imports a CSV sheet attached to a direct message, on SimCord: discord.py
reads the attachment from the (simulated) CDN, the rows left out come back as a file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import simcord
from discord_helpers import SLUG, World, discord_bot, discord_config

SHEET = (
    b"first_name,last_name,email,zip_code\n"
    b"Paula,Paper,paula@example.org,02139\n"
    b"Nora,Nomail,not-an-email,12345\n"
    b"Pete,Paper,PAULA@example.org,02139\n"
)


async def organizer_of(world: World, db_path: Path) -> simcord.User:
    """An organizer of the campaign, by id: the bot restarted with the role naming her."""
    organizer = world.guild.add_member(world.env.create_user("olga"))
    config = discord_config(db_path, organizers=[f"discord:{organizer.id}"])
    await world.env.restart_bot(discord_bot(config, world.store))
    return organizer.user


async def test_an_organizer_imports_a_sheet_attached_to_a_direct_message(
    world: World, db_path: Path
) -> None:
    olga = await organizer_of(world, db_path)
    dm = world.env.backend.get_dm_channel(olga.id)
    files = world.env.backend.store_attachments(dm.id, [("rally.csv", SHEET)])
    await olga.send_dm("/import 2026-11 paper:rally", attachments=files)
    reply = olga.dm_channel.last_message
    assert "3 rows read, 1 signature added." in reply.content
    assert "Left out: 1 invalid, 1 already signed or repeated." in reply.content
    [attached] = reply.attachments
    assert attached.filename == f"{SLUG}-import-rejects.csv"
    data = world.env.backend.cdn.get(attached.url)
    rejects = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["line"], r["reason"]) for r in rejects][1] == (
        "4",
        "the same email address as line 2",
    )
    assert await world.store.count(SLUG) == 1


async def test_import_typed_without_a_file_explains_how_and_stores_nothing(
    world: World, db_path: Path
) -> None:
    olga = await organizer_of(world, db_path)
    await olga.send_dm("/import 2026-11")
    assert "Send the CSV sheet as a file" in olga.dm_channel.last_message.content
    await world.bob.user.send_dm("/import 2026-11")
    assert "only for the campaign team" in world.bob.user.dm_channel.last_message.content
    assert await world.store.count(SLUG) == 0
