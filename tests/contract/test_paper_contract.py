"""The store contract for signatures gathered offline: imported batches and tallies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.models import IMPORT_PLATFORM, TALLY_SOURCE, Tally
from core.store import AlreadySigned, Store
from tests.contract.test_store_contract import NOW, signature


def imported(n: int, email: str | None = None, *, user: str | None = None):
    row = signature(
        user or f"sheet-{n}",
        email if email is not None else f"paper{n}@example.org",
        platform=IMPORT_PLATFORM,
        source="paper:rally",
        code=f"i_{n:020d}",
    )
    return row.model_copy(update={"consent_version": "paper form v3", "opted_in": False})


async def test_an_imported_batch_is_stored_with_consent_and_counted(store: Store) -> None:
    stored = await store.import_signatures([imported(1), imported(2), imported(3)])
    assert stored == [True, True, True]
    assert await store.count("p") == 3
    stats = await store.stats("p", NOW.date(), 7)
    assert stats.total == 3 and stats.imported == 3 and stats.online == 0
    assert stats.by_platform == {IMPORT_PLATFORM: 3}
    assert stats.by_source == {"paper:rally": 3}
    assert stats.today == 3
    [first, *_] = await store.signatures_of(IMPORT_PLATFORM, "sheet-1")
    assert first.consent_version == "paper form v3" and not first.opted_in and not first.pending
    kinds = {(c.kind, c.granted) for c in await store.consents_of(IMPORT_PLATFORM, "sheet-1")}
    assert kinds == {("processing", True), ("updates", False)}


async def test_an_import_skips_whoever_already_signed_by_email_or_account(store: Store) -> None:
    await store.add_signature(signature("7", "jane@example.org"))
    await store.import_signatures([imported(1, user="same")])
    rows = [
        imported(2, "JANE@example.org".lower()),  # signed in a chat
        imported(3),  # new
        imported(4, user="same"),  # the account an earlier import stored
    ]
    assert await store.signed_already(rows) == [True, False, True]
    assert await store.import_signatures(rows) == [False, True, False]
    assert await store.count("p") == 3
    stats = await store.stats("p", NOW.date(), 7)
    assert (stats.online, stats.imported) == (1, 2)


async def test_a_chat_signer_whose_email_was_imported_is_refused(store: Store) -> None:
    await store.import_signatures([imported(1, "jane@example.org")])
    try:
        await store.add_signature(signature("7", "jane@example.org"))
    except AlreadySigned as refusal:
        assert refusal.by_email
    else:
        raise AssertionError("a second signature of the same address was stored")
    assert await store.count("p") == 1


async def test_importing_the_same_rows_twice_adds_nothing(store: Store) -> None:
    rows = [imported(n) for n in range(5)]
    assert await store.import_signatures(rows) == [True] * 5
    again = [row.model_copy(update={"ref_code": row.ref_code + "b"}) for row in rows]
    assert await store.import_signatures(again) == [False] * 5
    assert await store.count("p") == 5
    assert await store.signed_already(again) == [True] * 5
    assert await store.import_signatures([]) == []


async def test_an_imported_signature_withdrawn_leaves_the_counts(store: Store) -> None:
    await store.import_signatures([imported(1), imported(2)])
    [first] = await store.signatures_of(IMPORT_PLATFORM, "sheet-1")
    assert await store.withdraw(first.id, NOW)
    stats = await store.stats("p", NOW.date(), 7)
    assert (stats.total, stats.imported) == (1, 1)
    assert stats.by_language == {"en": 1}  # withdrawn from its language's count too
    assert await store.signed_already([imported(1)]) == [False]


async def test_imported_rows_count_in_the_language_of_their_paper_form(store: Store) -> None:
    spanish = imported(1).model_copy(update={"language": "es", "consent_language": "es"})
    await store.add_signature(signature("7"))
    await store.import_signatures([spanish, imported(2)])
    stats = await store.stats("p", NOW.date(), 7)
    assert stats.by_language == {"en": 2, "es": 1}
    assert sum(stats.by_language.values()) == stats.total
    [row] = await store.signatures_of(IMPORT_PLATFORM, "sheet-1")
    assert (row.language, row.consent_language) == ("es", "es")


async def test_a_tally_joins_the_count_as_its_own_source(store: Store) -> None:
    await store.add_signature(signature("7"))
    at = datetime(2026, 11, 12, 18, 0, tzinfo=UTC)
    tally = Tally(petition="p", count=80, note="clipboards, Nov 12", actor="cli:ann", at=at)
    await store.add_tally(tally)
    await store.add_tally(tally.model_copy(update={"count": 5, "petition": "other"}))
    assert await store.count("p") == 81
    assert await store.tallies("p") == [tally]
    stats = await store.stats("p", NOW.date(), 30)
    assert (stats.total, stats.online, stats.imported, stats.tallied) == (81, 1, 0, 80)
    assert stats.by_source == {"direct": 1, TALLY_SOURCE: 80}
    assert stats.by_platform == {"telegram": 1}
    days = {item.day: item.count for item in await store.daily_counts("p")}
    assert days == {date(2026, 11, 12): 80, NOW.date(): 1}


async def test_imported_signers_are_no_chat_broadcast_audience(store: Store) -> None:
    await store.add_signature(signature("7"))
    opted_in = imported(1).model_copy(update={"opted_in": True})
    assert await store.import_signatures([opted_in]) == [True]
    assert await store.audience_counts("p") == {"telegram": 1}
    assert await store.audience_counts(None) == {"telegram": 1}


async def test_a_tally_added_in_the_last_24_hours_is_in_them(store: Store) -> None:
    """The feed's last 24 hours count what its today counts: a tally added an hour ago is in
    them, one added two days ago is not, another petition's never."""
    await store.add_signature(signature("7"))  # signed at NOW
    for hours_ago, count, petition in ((1, 80, "p"), (48, 30, "p"), (1, 5, "other")):
        at = NOW - timedelta(hours=hours_ago)
        await store.add_tally(
            Tally(petition=petition, count=count, note="clipboards", actor="cli:ann", at=at)
        )
    assert await store.signed_since("p", NOW - timedelta(hours=24)) == 1 + 80
    assert await store.signed_since("p", NOW - timedelta(hours=72)) == 1 + 80 + 30
    assert await store.signed_since("p", NOW + timedelta(hours=1)) == 0
