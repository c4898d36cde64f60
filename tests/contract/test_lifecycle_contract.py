"""The store contract for pauses and burst alerts: shared state every process agrees on."""

from __future__ import annotations

from datetime import timedelta

from core.alerts.store import BurstAlert, Dimension
from core.models import IMPORT_PLATFORM
from core.store import Store
from tests.contract.test_store_contract import NOW, signature

HOUR = NOW.replace(minute=0)


async def test_a_pause_is_stored_once_and_resuming_removes_it(store: Store) -> None:
    assert await store.paused_petitions() == {}
    assert await store.set_paused("p", True, NOW)
    assert not await store.set_paused("p", True, NOW + timedelta(minutes=1))  # already paused
    assert await store.paused_petitions() == {"p": NOW}
    assert await store.set_paused("p", False, NOW + timedelta(minutes=2))
    assert not await store.set_paused("p", False, NOW + timedelta(minutes=3))
    assert await store.paused_petitions() == {}


async def test_burst_counts_are_the_last_hours_active_signatures_by_dimension(
    store: Store,
) -> None:
    old = NOW - timedelta(hours=2)
    await store.add_signature(signature("1", "a@Example.org", at=old))  # before the window
    await store.add_signature(signature("2", "b@EXAMPLE.org", referrer="ref1"))
    await store.add_signature(signature("3", "c@example.org", platform="discord"))
    pending = signature("4", "d@other.net", referrer="ref1").model_copy(update={"pending": True})
    await store.add_signature(pending)
    gone = await store.add_signature(signature("5", "e@example.org"))
    await store.withdraw(gone.id, NOW)
    await store.add_signature(signature("6", "f@example.org", petition="q"))  # other petition
    since = NOW - timedelta(hours=1)
    counts = await store.burst_counts(
        "p",
        since,
        {
            Dimension.PLATFORM: "telegram",
            Dimension.REFERRER: "ref1",
            Dimension.EMAIL_DOMAIN: "example.ORG",
        },
    )
    assert counts.by == {Dimension.PLATFORM: 2, Dimension.REFERRER: 2, Dimension.EMAIL_DOMAIN: 2}
    assert counts.total == 3
    nobody = await store.burst_counts("p", since, {Dimension.REFERRER: "nobody"})
    assert nobody.by == {Dimension.REFERRER: 0}
    assert (await store.burst_counts("p", since, {})).total == 3


async def test_signatures_an_organizer_imported_are_no_burst(store: Store) -> None:
    await store.add_signature(signature("1", "a@example.org"))
    # A sheet of paper signatures imported just now, stamped with the import's moment.
    sheet = [signature(f"s{i}", f"p{i}@example.org", platform=IMPORT_PLATFORM) for i in range(5)]
    assert await store.import_signatures(sheet) == [True] * 5
    since = NOW - timedelta(hours=1)
    counts = await store.burst_counts("p", since, {Dimension.EMAIL_DOMAIN: "example.org"})
    assert counts.by == {Dimension.EMAIL_DOMAIN: 1}
    assert counts.total == 1


def alert(value: str = "example.org", window: int = 0) -> BurstAlert:
    return BurstAlert(
        petition="p",
        dimension=Dimension.EMAIL_DOMAIN,
        value=value,
        window_start=HOUR + timedelta(hours=window),
        count=201,
        at=NOW,
    )


async def test_an_alert_is_recorded_once_per_window_and_each_delivery_taken_once(
    store: Store,
) -> None:
    moderators = [("telegram", "10"), ("telegram", "11"), ("discord", "20")]
    assert await store.record_burst_alert(alert(), moderators)
    assert not await store.record_burst_alert(alert(), moderators)  # the same window
    assert await store.record_burst_alert(alert("other.net"), moderators[:1])
    assert await store.record_burst_alert(alert(window=1), [])  # the next hour
    taken = await store.take_alert_deliveries("telegram", 2, NOW)
    assert [(d.user_id, d.alert.value) for d in taken] == [
        ("10", "example.org"),
        ("11", "example.org"),
    ]
    assert taken[0].alert == alert()
    rest = await store.take_alert_deliveries("telegram", 10, NOW)
    assert [(d.user_id, d.alert.value) for d in rest] == [("10", "other.net")]
    assert await store.take_alert_deliveries("telegram", 10, NOW) == []
    discord = await store.take_alert_deliveries("discord", 10, NOW)
    assert [(d.platform, d.user_id) for d in discord] == [("discord", "20")]
