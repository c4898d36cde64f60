"""The store contract: every store implementation must pass these same tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.config import EmailAliases
from core.fields import email_key
from core.models import AuditEntry, NewSignature
from core.states import SigningState, SigningStep
from core.store import AlreadySigned, Store

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def signature(
    user: str = "1",
    email: str | None = "jane@example.org",
    *,
    platform: str = "telegram",
    petition: str = "p",
    at: datetime = NOW,
    source: str | None = None,
    referrer: str | None = None,
    code: str | None = None,
    aliases: EmailAliases = EmailAliases.DISTINCT,
) -> NewSignature:
    return NewSignature(
        petition=petition,
        platform=platform,
        user_id=user,
        name=f"Jane Q Doe{user}",
        email=email,
        email_key=email_key(email, aliases) if email else None,
        postal_code="12345",
        country="US",
        source=source,
        referrer_code=referrer,
        ref_code=code or f"r_user{user}_{petition}",
        consent_version="v1",
        opted_in=True,
        signed_at=at,
    )


def key(email: str) -> str:
    return email_key(email, EmailAliases.DISTINCT)


async def test_conversation_state_round_trips_and_is_replaced(store: Store) -> None:
    state = SigningState(
        platform="telegram",
        user_id="7",
        petition="p",
        step=SigningStep.FIELD,
        nonce="abc",
        answers={"name": "Jane"},
        updated_at=NOW,
    )
    await store.save_conversation(state)
    state.answers["email"] = "jane@example.org"
    await store.save_conversation(state)
    loaded = await store.get_conversation("telegram", "7")
    assert loaded == state
    await store.delete_conversation("telegram", "7")
    assert await store.get_conversation("telegram", "7") is None
    await store.delete_conversation("telegram", "7")  # deleting nothing is fine


async def test_signing_stores_one_signature_and_counts_it(store: Store) -> None:
    stored = await store.add_signature(signature())
    assert stored.active and stored.email == "jane@example.org"
    assert await store.active_signature("p", "telegram", "1") == stored
    assert await store.count("p") == 1
    assert await store.count("other") == 0
    assert await store.signature_by_ref_code(stored.ref_code) == stored


async def test_signing_twice_by_account_keeps_one_signature(store: Store) -> None:
    await store.add_signature(signature("1", "a@example.org"))
    with pytest.raises(AlreadySigned) as caught:
        await store.add_signature(signature("1", "b@example.org", code="r_SECONDAA"))
    assert caught.value.by_email is False
    assert await store.count("p") == 1


async def test_signing_again_with_someone_elses_email_is_refused_as_the_same_account(
    store: Store,
) -> None:
    # Both rules fail at once; the person must hear "you already signed", not that somebody
    # else used this address.
    await store.add_signature(signature("2", "b@example.org", code="r_OTHERAAA"))
    await store.add_signature(signature("1", "a@example.org"))
    with pytest.raises(AlreadySigned) as caught:
        await store.add_signature(signature("1", "b@example.org", code="r_SECONDAA"))
    assert caught.value.by_email is False
    assert await store.count("p") == 2


async def test_same_email_in_other_case_from_another_platform_is_refused(store: Store) -> None:
    await store.add_signature(signature("1", "Jane@Example.org"))
    with pytest.raises(AlreadySigned) as caught:
        await store.add_signature(
            signature("2", "jane@example.org", platform="discord", code="r_SECONDAA")
        )
    assert caught.value.by_email is True
    assert await store.email_has_signed("p", key("JANE@example.ORG"))
    assert await store.count("p") == 1


async def test_the_store_compares_the_key_the_core_computed_for_the_petition(
    store: Store,
) -> None:
    merge = EmailAliases.MERGE  # a petition that counts a mailbox's aliases as one signer
    await store.add_signature(signature("1", "jane+news@gmail.com", aliases=merge))
    with pytest.raises(AlreadySigned) as caught:
        await store.add_signature(
            signature("2", "j.a.n.e@gmail.com", code="r_SECONDAA", aliases=merge)
        )
    assert caught.value.by_email is True
    assert await store.email_has_signed("p", email_key("jane@gmail.com", merge))
    assert not await store.email_has_signed("p", key("jane+news@gmail.com"))
    await store.add_signature(signature("3", "jane@gmail.com", petition="q", code="r_THIRDAAA"))
    assert [s.email for s in await store.signatures_of("telegram", "1")] == ["jane+news@gmail.com"]


async def test_the_same_person_on_two_petitions_signs_both(store: Store) -> None:
    await store.add_signature(signature("1", petition="p"))
    await store.add_signature(signature("1", petition="q", code="r_SECONDAA"))
    assert await store.count("p") == 1
    assert await store.count("q") == 1


async def test_concurrent_signings_by_one_account_store_one(store: Store) -> None:
    attempts = [
        store.add_signature(signature("1", f"x{i}@example.org", code=f"r_CONC{chr(65 + i)}AAA"))
        for i in range(8)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, AlreadySigned) for r in results if isinstance(r, Exception))
    assert await store.count("p") == 1


async def test_concurrent_signings_with_one_email_store_one(store: Store) -> None:
    attempts = [
        store.add_signature(signature(str(i), "same@example.org", code=f"r_MAIL{chr(65 + i)}AAA"))
        for i in range(8)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert await store.count("p") == 1


async def test_withdrawal_erases_personal_data_and_keeps_a_tombstone(store: Store) -> None:
    stored = await store.add_signature(signature("1"))
    assert await store.withdraw(stored.id, NOW + timedelta(hours=1)) is True
    assert await store.count("p") == 0
    assert await store.active_signature("p", "telegram", "1") is None
    [tombstone] = await store.signatures_of("telegram", "1")
    assert (tombstone.name, tombstone.email, tombstone.postal_code) == (None, None, None)
    assert tombstone.withdrawn_at == NOW + timedelta(hours=1)
    assert not tombstone.opted_in
    assert await store.withdraw(stored.id, NOW) is False
    assert not await store.email_has_signed("p", key("jane@example.org"))


async def test_a_withdrawn_signer_can_sign_again(store: Store) -> None:
    stored = await store.add_signature(signature("1"))
    await store.withdraw(stored.id, NOW)
    again = await store.add_signature(signature("1", code="r_AGAINAAA"))
    assert again.active
    assert await store.count("p") == 1
    assert len(await store.signatures_of("telegram", "1")) == 2


async def test_stats_break_down_active_signatures(store: Store) -> None:
    referrer = await store.add_signature(signature("1", "a@example.org", code="r_REFERAAA"))
    await store.add_signature(
        signature(
            "2",
            "b@example.org",
            platform="discord",
            source="newsletter",
            referrer="r_REFERAAA",
            code="r_BBBBBBBB",
        )
    )
    await store.add_signature(
        signature("3", "c@example.org", at=NOW - timedelta(days=2), code="r_CCCCCCCC")
    )
    gone = await store.add_signature(
        signature("4", "d@example.org", platform="discord", code="r_DDDDDDDD")
    )
    await store.withdraw(gone.id, NOW)
    stats = await store.stats("p", NOW.date(), 7)
    assert stats.total == 3
    assert stats.today == 2
    assert [d.count for d in stats.last_days] == [0, 0, 0, 0, 1, 0, 2]
    assert stats.last_days[-1].day == NOW.date()
    assert stats.by_platform == {"telegram": 2, "discord": 1}
    assert stats.by_source == {"direct": 2, "newsletter": 1}
    assert stats.top_referrers == ((referrer.ref_code, 1),)


async def test_recent_shows_first_name_and_initial_newest_first(store: Store) -> None:
    for i in range(1, 13):
        await store.add_signature(signature(str(i), f"{i}@example.org", code=f"r_RECENT{i:02}"))
    recent = await store.recent("p", 10)
    assert len(recent) == 10
    assert recent[0].display == "Jane D."
    assert recent[0].platform == "telegram"
    assert all("@" not in item.display for item in recent)


async def test_audit_log_keeps_privileged_actions_newest_first(store: Store) -> None:
    await store.record_audit(AuditEntry(actor="telegram:1", action="stats", petition="p", at=NOW))
    await store.record_audit(AuditEntry(actor="telegram:2", action="refused:count", at=NOW))
    entries = await store.audit_log(10)
    assert [e.action for e in entries] == ["refused:count", "stats"]
    assert entries[1].petition == "p"


async def test_active_signatures_stream_in_batches_without_withdrawn(store: Store) -> None:
    for i in range(1, 8):
        await store.add_signature(signature(str(i), f"{i}@example.org"))
    gone = await store.active_signature("p", "telegram", "3")
    assert gone is not None
    await store.withdraw(gone.id, NOW)
    batches = [batch async for batch in store.active_signatures("p", batch_size=4)]
    assert [len(b) for b in batches] == [4, 2]
    assert [s.user_id for b in batches for s in b] == ["1", "2", "4", "5", "6", "7"]


async def test_daily_counts_cover_every_day_with_signatures(store: Store) -> None:
    await store.add_signature(signature("1", "1@example.org", at=NOW - timedelta(days=3)))
    await store.add_signature(signature("2", "2@example.org"))
    await store.add_signature(signature("3", "3@example.org"))
    counts = await store.daily_counts("p")
    assert [(c.day, c.count) for c in counts] == [
        ((NOW - timedelta(days=3)).date(), 1),
        (NOW.date(), 2),
    ]


async def test_consents_of_an_account_are_its_whole_history_oldest_first(store: Store) -> None:
    mine = await store.add_signature(signature("1", petition="p"))
    gone = await store.add_signature(signature("1", "j2@example.org", petition="q"))
    await store.add_signature(signature("2", "other@example.org", petition="p"))
    later = NOW + timedelta(hours=1)
    await store.set_updates("telegram", "1", "p", False, later)
    await store.withdraw(gone.id, later)  # a withdrawn signature keeps its consent history
    history = await store.consents_of("telegram", "1")
    assert [(c.signature_id, c.kind, c.granted, c.text_version, c.at) for c in history] == [
        (mine.id, "processing", True, "v1", NOW),
        (mine.id, "updates", True, None, NOW),
        (gone.id, "processing", True, "v1", NOW),
        (gone.id, "updates", True, None, NOW),
        (mine.id, "updates", False, None, later),
    ]
    assert await store.consents_of("discord", "1") == []


async def test_audit_of_one_actor_is_theirs_alone_oldest_first(store: Store) -> None:
    later = NOW + timedelta(minutes=1)
    await store.record_audit(AuditEntry(actor="telegram:1", action="stats", petition="p", at=NOW))
    await store.record_audit(AuditEntry(actor="telegram:2", action="refused:count", at=NOW))
    await store.record_audit(AuditEntry(actor="telegram:1", action="export", detail="2", at=later))
    entries = await store.audit_of("telegram:1")
    assert [(e.action, e.petition, e.detail, e.at) for e in entries] == [
        ("stats", "p", "", NOW),
        ("export", None, "2", later),
    ]
    assert await store.audit_of("telegram:3") == []


async def test_signed_since_counts_a_sliding_window_of_active_signatures(store: Store) -> None:
    await store.add_signature(signature("1", "1@example.org", at=NOW - timedelta(hours=25)))
    await store.add_signature(signature("2", "2@example.org", at=NOW - timedelta(hours=23)))
    third = await store.add_signature(signature("3", "3@example.org", at=NOW - timedelta(hours=1)))
    await store.add_signature(signature("4", "4@example.org", petition="other", at=NOW))
    day_ago = NOW - timedelta(hours=24)
    assert await store.signed_since("p", day_ago) == 2
    assert await store.signed_since("p", NOW - timedelta(hours=23)) == 2  # at or after
    await store.withdraw(third.id, NOW)
    assert await store.signed_since("p", day_ago) == 1
    assert await store.signed_since("p", NOW + timedelta(seconds=1)) == 0
