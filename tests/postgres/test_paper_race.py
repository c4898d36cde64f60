"""An import racing chat signings of the same people on PostgreSQL: one signature each."""

from __future__ import annotations

import asyncio
import io

import asyncpg

from core.bot import PetitionBot
from core.paper.rows import ImportOptions
from core.paper.sheet import Sheet
from storage import PostgresStore
from tests.unit.chat import Chat, Clock, campaign

PEOPLE = 3000
RACERS = 40  # people in the sheet who also sign in a chat while it is imported


async def test_an_import_and_chat_signings_of_the_same_people_store_each_once(
    pg_store: PostgresStore, database: str
) -> None:
    clock = Clock()
    bot = PetitionBot(campaign(), pg_store, clock=clock)
    petition = bot.campaign.default_petition
    text = "first_name,last_name,email,zip_code\n" + "".join(
        f"Person,Number{n},person{n}@example.org,12345\n" for n in range(PEOPLE)
    )
    options = ImportOptions(consent_version="v1", signed_at=clock.now)
    racers = range(0, PEOPLE, PEOPLE // RACERS)

    async def chat_signer(n: int) -> str:
        replies = await Chat(bot, f"racer{n}").sign(f"Racer Number{n}", f"PERSON{n}@example.org")
        return replies[-1].text.to_plain_text()

    report, *closings = await asyncio.gather(
        bot.imports.run(
            petition, Sheet(io.StringIO(text, newline="")), options, "cli:ann", clock.now
        ),
        *(chat_signer(n) for n in racers),
    )
    assert all("You signed" in closing for closing in closings)  # the same words either way
    won_in_chat = PEOPLE - report.added
    assert report.duplicates == won_in_chat and report.invalid == 0
    assert await pg_store.count(petition.slug) == PEOPLE
    connection = await asyncpg.connect(database)
    try:
        per_key = await connection.fetch(
            "SELECT email_key, count(*) AS n FROM signatures WHERE withdrawn_at IS NULL"
            " GROUP BY email_key HAVING count(*) > 1"
        )
        in_chat = await connection.fetchval(
            "SELECT count(*) FROM signatures WHERE platform = 'telegram'"
        )
    finally:
        await connection.close()
    assert per_key == [] and in_chat == won_in_chat
    stats = await pg_store.stats(petition.slug, clock.now.date(), 7)
    assert (stats.online, stats.imported) == (won_in_chat, report.added)
