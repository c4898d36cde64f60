"""The store contract for what a withdrawal leaves of a person's broadcasts: no row that still
says "this account was sent petition P's news" (so had signed P), and nothing more sent."""

from __future__ import annotations

from datetime import timedelta

from core.broadcasts.models import DeliveryOutcome, DeliveryState
from core.store import Store
from tests.contract.test_broadcast_store_contract import draft, signed
from tests.contract.test_store_contract import NOW

LATER = NOW + timedelta(days=40)


async def _withdraw(store: Store, user: str, petition: str = "p") -> None:
    signature = await store.active_signature(petition, "telegram", user)
    assert signature is not None
    assert await store.withdraw(signature.id, NOW)


async def _send_all(store: Store, broadcast_id: int) -> None:
    claimed = await store.claim_deliveries(broadcast_id, "telegram", 100)
    outcomes = [
        DeliveryOutcome(delivery_id=d.id, state=DeliveryState.DELIVERED, attempts=1)
        for d in claimed
    ]
    await store.record_outcomes(outcomes, NOW)
    assert await store.finish_broadcast(broadcast_id, NOW)


async def test_withdrawing_forgets_whom_the_petitions_broadcasts_went_to(store: Store) -> None:
    await signed(store, "1")
    await signed(store, "2")
    sent = await draft(store)
    await store.confirm_broadcast(sent, [], NOW)
    await _send_all(store, sent)
    sending = await draft(store)
    await store.confirm_broadcast(sending, [], NOW)

    await _withdraw(store, "1")

    assert await store.deliveries_to("telegram", "1") == []
    assert len(await store.deliveries_to("telegram", "2")) == 2
    # The finished broadcast's figures stay what the organizer was told.
    assert (await store.totals(sent))[DeliveryState.DELIVERED] == 2
    # The one still sending never reaches them, and counts them as skipped.
    claimed = await store.claim_deliveries(sending, "telegram", 100)
    assert [d.address for d in claimed] == ["2"]
    assert (await store.totals(sending))[DeliveryState.SKIPPED] == 1


async def test_a_broadcast_to_everyone_is_forgotten_with_the_last_signature(store: Store) -> None:
    await signed(store, "1")
    await signed(store, "1", petition="q")
    everyone = await draft(store, petition=None)
    await store.confirm_broadcast(everyone, [], NOW)
    await _send_all(store, everyone)

    await _withdraw(store, "1", "p")
    assert len(await store.deliveries_to("telegram", "1")) == 1  # still a signer of q
    await _withdraw(store, "1", "q")
    assert await store.deliveries_to("telegram", "1") == []
    assert (await store.totals(everyone))[DeliveryState.DELIVERED] == 1


async def test_a_delivery_in_flight_at_the_withdrawal_leaves_no_account_behind(
    store: Store,
) -> None:
    await signed(store, "1")
    broadcast_id = await draft(store)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    (claimed,) = await store.claim_deliveries(broadcast_id, "telegram", 100)

    await _withdraw(store, "1")
    blocked = DeliveryOutcome(
        delivery_id=claimed.id, state=DeliveryState.UNREACHABLE, attempts=1, detail="blocked"
    )
    await store.record_outcomes([blocked], NOW)

    assert await store.deliveries_to("telegram", "1") == []
    assert await store.unreachable_mark("telegram", "1") is None
    assert (await store.totals(broadcast_id))[DeliveryState.UNREACHABLE] == 1


async def test_withdrawing_every_signature_forgets_that_the_account_was_unreachable(
    store: Store,
) -> None:
    await signed(store, "1")
    await signed(store, "1", petition="q")
    broadcast_id = await draft(store, petition=None)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    (claimed,) = await store.claim_deliveries(broadcast_id, "telegram", 100)
    blocked = DeliveryOutcome(
        delivery_id=claimed.id, state=DeliveryState.UNREACHABLE, attempts=1, detail="blocked"
    )
    await store.record_outcomes([blocked], NOW)

    await _withdraw(store, "1", "p")
    assert await store.unreachable_mark("telegram", "1") is not None  # q still reaches nobody
    await _withdraw(store, "1", "q")
    assert await store.unreachable_mark("telegram", "1") is None


async def test_anonymising_forgets_a_finished_broadcast_to_everyone(store: Store) -> None:
    await signed(store, "1")
    await signed(store, "2")
    await signed(store, "2", petition="q")
    everyone = await draft(store, petition=None)
    await store.confirm_broadcast(everyone, [], NOW)
    claimed = await store.claim_deliveries(everyone, "telegram", 100)
    outcomes = [
        DeliveryOutcome(delivery_id=d.id, state=DeliveryState.UNREACHABLE, attempts=1)
        for d in claimed
    ]
    await store.record_outcomes(outcomes, NOW)
    assert await store.finish_broadcast(everyone, NOW)

    await store.anonymise_petition("p", LATER)

    # Only p's signers: nothing is left that points at them.
    assert await store.deliveries_to("telegram", "1") == []
    assert await store.unreachable_mark("telegram", "1") is None
    # A signer of q too keeps what q explains.
    assert len(await store.deliveries_to("telegram", "2")) == 1
    assert await store.unreachable_mark("telegram", "2") is not None
    assert (await store.totals(everyone))[DeliveryState.UNREACHABLE] == 2
