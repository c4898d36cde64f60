"""What only several processes on one database can break: each rule must hold in the
database, not in one process's memory."""

from __future__ import annotations

import asyncio

import asyncpg

from bots.runtime import build_runtime
from core.bot import utc_now
from core.states import SigningState, SigningStep
from storage import PostgresStore
from tests.postgres.processes import Worker, together
from tests.unit.chat import EXAMPLE, Chat

SIGN_BUTTON = "✅ Sign"
PETITION = EXAMPLE.campaign.petitions[0].slug


async def _at_the_sign_button(database: str, user: str, email: str) -> str:
    """Walk ``user`` through the conversation up to its last step; the Sign button's data."""
    store = await PostgresStore.open(database)
    runtime = build_runtime(EXAMPLE, store)
    chat = Chat(runtime.core, user)
    await chat.send("/sign")
    await chat.press("Yes, I want")
    for answer in ("Jane Doe", email, "12345"):
        await chat.send(answer)
    await chat.press("Yes, keep")
    [data] = [
        choice.data
        for reply in chat.replies[-1:]
        for row in reply.choices
        for choice in row
        if choice.label.startswith(SIGN_BUTTON)
    ]
    await runtime.close()
    return data


async def _count(database: str) -> int:
    store = await PostgresStore.open(database)
    try:
        return await store.count(PETITION)
    finally:
        await store.close()


async def test_one_account_pressing_sign_in_two_processes_signs_once(database: str) -> None:
    data = await _at_the_sign_button(database, "1", "jane@example.org")
    outcomes = together([Worker(database, "press", "1", data, m) for m in ("m1", "m2")])
    answers = [" ".join(outcome["replies"]) for outcome in outcomes]
    assert await _count(database) == 1
    assert sum("Thank you" in answer for answer in answers) == 1
    # The other press gets a friendly answer about the ended conversation, never an error.
    assert all("went wrong" not in answer and answer for answer in answers), answers


async def test_two_accounts_with_one_email_in_two_processes_sign_once(database: str) -> None:
    first = await _at_the_sign_button(database, "1", "same@example.org")
    second = await _at_the_sign_button(database, "2", "SAME@example.org")
    outcomes = together(
        [
            Worker(database, "press", "1", first, "m1"),
            Worker(database, "press", "2", second, "m2"),
        ]
    )
    assert await _count(database) == 1
    for outcome in outcomes:  # both hear the same closing: no oracle of who signed
        assert "Thank you" in " ".join(outcome["replies"]), outcome


async def test_counts_are_exact_with_four_processes_signing_at_once(database: str) -> None:
    outcomes = together([Worker(database, "sign-many", f"w{n}-", "15") for n in range(4)])
    assert [outcome["signed"] for outcome in outcomes] == [15] * 4
    store = await PostgresStore.open(database)
    try:
        stats = await store.stats(
            PETITION, (await store.recent(PETITION, 1))[0].signed_at.date(), 1
        )
        assert await store.count(PETITION) == 60
        assert (stats.total, stats.today, stats.by_platform) == (60, 60, {"telegram": 60})
    finally:
        await store.close()


async def test_a_redelivered_update_reaching_another_worker_is_recorded_once(
    database: str,
) -> None:
    outcomes = together([Worker(database, "record", "4242") for _ in range(3)])
    assert sorted(outcome["recorded"] for outcome in outcomes) == [False, False, True]


async def _waiting_for_an_advisory_lock(database: str) -> None:
    connection = await asyncpg.connect(database)
    try:
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        while not await connection.fetchval(waiting):  # noqa: ASYNC110 (another process's state)
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def test_one_persons_messages_in_two_processes_are_handled_one_at_a_time(
    database: str,
) -> None:
    store = await PostgresStore.open(database)
    try:
        async with store.transaction():
            # This process is in the middle of Jane's turn: the one that asked for her email.
            await store.hold_person("telegram:1")
            worker = Worker(database, "text", "1", "jane@example.org")
            assert worker.line() == "started"
            await asyncio.wait_for(_waiting_for_an_advisory_lock(database), timeout=30)
            await store.save_conversation(
                SigningState(
                    platform="telegram",
                    user_id="1",
                    petition=PETITION,
                    step=SigningStep.FIELD,
                    field_index=1,
                    nonce="n1",
                    answers={"name": "Jane Doe"},
                    updated_at=utc_now(),
                )
            )
        # The other process read her conversation only after this turn committed: it takes
        # the address as the answer to the question this turn asked.
        [reply] = worker.result()["replies"]
        assert "ZIP" in reply or "postal" in reply.lower(), reply
        state = await store.get_conversation("telegram", "1")
        assert isinstance(state, SigningState)
        assert state.answers == {"name": "Jane Doe", "email": "jane@example.org"}
    finally:
        await store.close()
