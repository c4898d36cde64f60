"""The broadcast half of the store contract, run against every store."""

from __future__ import annotations

from datetime import timedelta

from core.broadcasts.models import BroadcastStatus, DeliveryOutcome, DeliveryState
from core.store import Store
from tests.contract.test_store_contract import NOW, signature


async def signed(
    store: Store,
    user: str,
    *,
    platform: str = "telegram",
    petition: str = "p",
    opted_in: bool = True,
) -> None:
    new = signature(user, f"{user}-{petition}@example.org", platform=platform, petition=petition)
    await store.add_signature(new.model_copy(update={"opted_in": opted_in}))


async def draft(store: Store, petition: str | None = "p") -> int:
    broadcast = await store.create_broadcast(
        petition, "News!", "telegram:9", ("telegram", "9"), NOW
    )
    assert broadcast.status is BroadcastStatus.DRAFT
    return broadcast.id


async def test_audience_is_opted_in_active_people_counted_once(store: Store) -> None:
    await signed(store, "1")
    await signed(store, "1", petition="q")  # the same person on a second petition
    await signed(store, "2", platform="discord")
    await signed(store, "3", opted_in=False)
    await signed(store, "4")
    gone = await store.active_signature("p", "telegram", "4")
    assert gone is not None
    await store.withdraw(gone.id, NOW)
    assert await store.audience_counts("p") == {"telegram": 1, "discord": 1}
    assert await store.audience_counts(None) == {"telegram": 1, "discord": 1}
    assert await store.audience_counts("q") == {"telegram": 1}


async def test_confirm_stores_one_delivery_per_recipient_once(store: Store) -> None:
    await signed(store, "1")
    await signed(store, "2", platform="discord")
    broadcast_id = await draft(store)
    confirmed = await store.confirm_broadcast(broadcast_id, [("telegram", "@news")], NOW)
    assert confirmed is not None and confirmed.status is BroadcastStatus.SENDING
    assert confirmed.total == 3
    assert await store.confirm_broadcast(broadcast_id, [], NOW) is None  # pressed twice
    assert (await store.totals(broadcast_id))[DeliveryState.PENDING] == 3


async def test_claims_mark_in_flight_and_never_hand_out_a_delivery_twice(store: Store) -> None:
    for i in range(5):
        await signed(store, str(i))
    broadcast_id = await draft(store)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    first = await store.claim_deliveries(broadcast_id, "telegram", 3)
    second = await store.claim_deliveries(broadcast_id, "telegram", 3)
    assert len(first) == 3 and len(second) == 2
    assert not {d.id for d in first} & {d.id for d in second}
    assert await store.claim_deliveries(broadcast_id, "discord", 3) == []
    assert (await store.totals(broadcast_id))[DeliveryState.IN_FLIGHT] == 5


async def test_deliveries_handed_back_are_claimed_again_and_never_become_unknown(
    store: Store,
) -> None:
    for i in range(4):
        await signed(store, str(i))
    broadcast_id = await draft(store)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    claimed = await store.claim_deliveries(broadcast_id, "telegram", 4)
    sent, unsent = claimed[:1], claimed[1:]
    outcome = DeliveryOutcome(delivery_id=sent[0].id, state=DeliveryState.DELIVERED, attempts=1)
    await store.record_outcomes([outcome], NOW)
    handed_back = [d.id for d in unsent]
    assert await store.release_deliveries([*handed_back, sent[0].id]) == 3  # only in flight
    totals = await store.totals(broadcast_id)
    assert totals[DeliveryState.PENDING] == 3 and totals[DeliveryState.IN_FLIGHT] == 0
    assert await store.abandon_in_flight("telegram") == 0  # a restart finds nothing unknown
    again = await store.claim_deliveries(broadcast_id, "telegram", 10)
    assert sorted(d.id for d in again) == sorted(handed_back)
    assert await store.release_deliveries([]) == 0


async def test_deliveries_handed_back_after_a_cancel_are_cancelled(store: Store) -> None:
    for i in range(2):
        await signed(store, str(i))
    broadcast_id = await draft(store)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    claimed = await store.claim_deliveries(broadcast_id, "telegram", 2)
    await store.cancel_broadcast(broadcast_id, NOW)
    assert await store.release_deliveries([d.id for d in claimed]) == 2
    totals = await store.totals(broadcast_id)
    assert totals[DeliveryState.CANCELLED] == 2 and totals.open == 0


async def test_opting_out_or_withdrawing_skips_a_broadcast_in_progress(store: Store) -> None:
    for user in ("1", "2", "3"):
        await signed(store, user)
    broadcast_id = await draft(store)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    assert await store.set_updates("telegram", "1", "p", False, NOW) == 1
    gone = await store.active_signature("p", "telegram", "2")
    assert gone is not None
    await store.withdraw(gone.id, NOW)
    claimed = await store.claim_deliveries(broadcast_id, "telegram", 10)
    assert [d.address for d in claimed] == ["3"]
    assert (await store.totals(broadcast_id))[DeliveryState.SKIPPED] == 2


async def test_unreachable_people_are_left_out_of_later_broadcasts(store: Store) -> None:
    await signed(store, "1")
    await signed(store, "2")
    first = await draft(store)
    await store.confirm_broadcast(first, [], NOW)
    claimed = await store.claim_deliveries(first, "telegram", 10)
    await store.record_outcomes(
        [
            DeliveryOutcome(
                delivery_id=d.id,
                attempts=1,
                state=DeliveryState.UNREACHABLE if d.address == "1" else DeliveryState.DELIVERED,
            )
            for d in claimed
        ],
        NOW,
    )
    assert await store.finish_broadcast(first, NOW) is True
    assert (await store.get_broadcast(first)).status is BroadcastStatus.DONE  # type: ignore[union-attr]  # the broadcast exists, it was just made
    assert await store.audience_counts("p") == {"telegram": 1}
    second = await draft(store)
    confirmed = await store.confirm_broadcast(second, [], NOW)
    assert confirmed is not None and confirmed.total == 1


async def test_a_broadcast_finishes_only_when_nothing_is_open(store: Store) -> None:
    await signed(store, "1")
    broadcast_id = await draft(store)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    assert await store.finish_broadcast(broadcast_id, NOW) is False
    await store.claim_deliveries(broadcast_id, "telegram", 10)
    assert await store.finish_broadcast(broadcast_id, NOW) is False
    assert await store.abandon_in_flight("telegram") == 1
    totals = await store.totals(broadcast_id)
    assert totals[DeliveryState.UNKNOWN] == 1 and totals.open == 0
    assert await store.finish_broadcast(broadcast_id, NOW) is True
    assert await store.sending_broadcasts() == []


async def test_cancel_stops_pending_deliveries(store: Store) -> None:
    for i in range(4):
        await signed(store, str(i))
    broadcast_id = await draft(store)
    await store.confirm_broadcast(broadcast_id, [], NOW)
    await store.claim_deliveries(broadcast_id, "telegram", 1)
    assert await store.cancel_broadcast(broadcast_id, NOW + timedelta(seconds=1)) is True
    assert await store.claim_deliveries(broadcast_id, "telegram", 10) == []
    totals = await store.totals(broadcast_id)
    assert totals[DeliveryState.CANCELLED] == 3 and totals[DeliveryState.IN_FLIGHT] == 1
    assert await store.cancel_broadcast(broadcast_id, NOW) is False


async def test_opting_back_in_and_recent_broadcasts(store: Store) -> None:
    await signed(store, "1")
    assert await store.set_updates("telegram", "1", None, False, NOW) == 1
    assert await store.set_updates("telegram", "1", None, False, NOW) == 0
    assert await store.audience_counts("p") == {}
    assert await store.set_updates("telegram", "1", "p", True, NOW) == 1
    assert await store.audience_counts("p") == {"telegram": 1}
    first, second = await draft(store), await draft(store, None)
    await store.set_progress_message(first, "m-1")
    recent = await store.recent_broadcasts(5)
    assert [b.id for b in recent] == [second, first]
    assert recent[1].progress_message_id == "m-1" and recent[0].petition is None


async def test_the_final_summary_is_claimed_exactly_once(store: Store) -> None:
    await signed(store, "1")
    broadcast_id = await draft(store)
    assert await store.broadcasts_to_report("telegram") == []  # drafts owe nothing
    await store.confirm_broadcast(broadcast_id, [], NOW)
    assert [b.id for b in await store.broadcasts_to_report("telegram")] == [broadcast_id]
    assert await store.broadcasts_to_report("discord") == []
    assert await store.mark_reported(broadcast_id, NOW) is False  # still sending
    await store.cancel_broadcast(broadcast_id, NOW)
    assert [b.id for b in await store.broadcasts_to_report("telegram")] == [broadcast_id]
    assert await store.mark_reported(broadcast_id, NOW) is True
    assert await store.mark_reported(broadcast_id, NOW) is False
    assert await store.broadcasts_to_report("telegram") == []


async def test_what_broadcasts_stored_about_one_person(store: Store) -> None:
    await signed(store, "1")
    await signed(store, "2")
    first, second = await draft(store), await draft(store)
    for broadcast_id in (first, second):
        await store.confirm_broadcast(broadcast_id, [("telegram", "1")], NOW)  # a channel id "1"
    later = NOW + timedelta(minutes=5)
    for broadcast_id, state in ((first, DeliveryState.DELIVERED), (second, "unreachable")):
        claimed = await store.claim_deliveries(broadcast_id, "telegram", 10)
        outcomes = [
            DeliveryOutcome(
                delivery_id=d.id,
                state=state if d.address == "1" and d.kind == "person" else "delivered",
                attempts=1,
                detail="blocked" if state == "unreachable" else "",
            )
            for d in claimed
        ]
        await store.record_outcomes(outcomes, later)
    records = await store.deliveries_to("telegram", "1")
    assert [(r.broadcast_id, r.state, r.attempts, r.finished_at) for r in records] == [
        (first, DeliveryState.DELIVERED, 1, later),
        (second, DeliveryState.UNREACHABLE, 1, later),
    ]
    assert records[1].detail == "blocked"
    mark = await store.unreachable_mark("telegram", "1")
    assert mark is not None and (mark.reason, mark.at) == ("blocked", later)
    assert await store.unreachable_mark("telegram", "2") is None
    assert await store.deliveries_to("discord", "1") == []
    assert [b.id for b in await store.broadcasts_by("telegram:9")] == [first, second]
    assert await store.broadcasts_by("telegram:1") == []
