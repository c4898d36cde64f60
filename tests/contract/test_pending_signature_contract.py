"""The store contract for signatures confirmed by an emailed code: pending, codes, confirming."""

from __future__ import annotations

from datetime import timedelta

from core.models import EmailCode
from core.store import AlreadySigned, Store
from tests.contract.test_store_contract import NOW, signature


def code(signature_id: int, **changes: object) -> EmailCode:
    values: dict[str, object] = {
        "signature_id": signature_id,
        "code_hash": "salt$hash",
        "expires_at": NOW + timedelta(hours=24),
    }
    return EmailCode.model_validate(values | changes)


async def test_a_pending_signature_holds_its_place_but_is_not_counted(store: Store) -> None:
    pending = await store.add_signature(signature("1").model_copy(update={"pending": True}))
    assert pending.pending
    assert await store.count("p") == 0
    assert await store.pending_count("p") == 1
    assert (await store.stats("p", NOW.date(), 7)).pending == 1
    assert (await store.stats("p", NOW.date(), 7)).total == 0
    assert await store.recent("p", 10) == []
    assert await store.daily_counts("p") == []
    # Its place: a second signature by the account or by the address is refused.
    try:
        await store.add_signature(signature("2"))
    except AlreadySigned as refused:
        assert refused.by_email
    else:
        raise AssertionError("the address of a pending signature signed again")
    mine = await store.active_signature("p", "telegram", "1")
    assert mine is not None and mine.pending


async def test_exports_hold_pending_signatures_only_when_asked(store: Store) -> None:
    await store.add_signature(signature("1", "a@example.org"))
    await store.add_signature(signature("2", "b@example.org").model_copy(update={"pending": True}))
    confirmed = [s.user_id async for batch in store.active_signatures("p") for s in batch]
    everyone = [
        (s.user_id, s.pending)
        async for batch in store.active_signatures("p", include_pending=True)
        for s in batch
    ]
    assert confirmed == ["1"]
    assert everyone == [("1", False), ("2", True)]


async def test_confirming_moves_the_signature_into_every_count(store: Store) -> None:
    pending = await store.add_signature(
        signature("1", source="tg").model_copy(update={"pending": True})
    )
    await store.save_email_code(code(pending.id))
    assert await store.confirm_signature(pending.id, NOW + timedelta(minutes=5))
    assert not await store.confirm_signature(pending.id, NOW + timedelta(minutes=6))
    assert await store.count("p") == 1
    assert await store.pending_count("p") == 0
    stats = await store.stats("p", NOW.date(), 7)
    assert (stats.total, stats.today, stats.by_source, stats.pending) == (1, 1, {"tg": 1}, 0)
    assert await store.email_code(pending.id) is None
    again = await store.signature(pending.id)
    assert again is not None and not again.pending


async def test_broadcasts_reach_confirmed_signers_only(store: Store) -> None:
    await store.add_signature(signature("1", "a@example.org"))
    pending = await store.add_signature(
        signature("2", "b@example.org").model_copy(update={"pending": True})
    )
    assert await store.audience_counts("p") == {"telegram": 1}
    await store.confirm_signature(pending.id, NOW)
    assert await store.audience_counts("p") == {"telegram": 2}


async def test_withdrawing_a_pending_signature_forgets_it_and_its_code(store: Store) -> None:
    pending = await store.add_signature(signature("1").model_copy(update={"pending": True}))
    await store.save_email_code(code(pending.id))
    assert await store.withdraw(pending.id, NOW)
    assert await store.pending_count("p") == 0
    assert await store.count("p") == 0
    assert await store.email_code(pending.id) is None
    assert not await store.confirm_signature(pending.id, NOW)


async def test_codes_round_trip_and_the_due_ones_come_longest_waiting_first(
    store: Store,
) -> None:
    first = await store.add_signature(
        signature("1", "a@example.org").model_copy(update={"pending": True})
    )
    second = await store.add_signature(
        signature("2", "b@example.org").model_copy(update={"pending": True})
    )
    sent = code(first.id, emails_sent=1, last_sent_at=NOW, wrong_tries=2)
    await store.save_email_code(sent)
    assert await store.email_code(first.id) == sent
    await store.save_email_code(code(second.id, send_due_at=NOW + timedelta(minutes=2)))
    await store.save_email_code(
        sent.model_copy(update={"send_due_at": NOW + timedelta(minutes=1), "send_failures": 1})
    )
    assert await store.email_codes_due(NOW, 10) == []
    due = await store.email_codes_due(NOW + timedelta(minutes=5), 10)
    assert [c.signature_id for c in due] == [first.id, second.id]
    assert [c.signature_id for c in await store.email_codes_due(NOW + timedelta(hours=1), 1)] == [
        first.id
    ]
    assert await store.email_code(999) is None
    assert await store.signature(999) is None
