"""The retention part of the store contract: anonymising a closed petition, erasing expired
pending signatures, stale conversations and old inbox rows; each with a dry run."""

from __future__ import annotations

from datetime import timedelta

from core.inbox import StoredReplies
from core.states import ExpiredState, SigningState, SigningStep
from core.store import Store
from tests.contract.test_broadcast_store_contract import draft
from tests.contract.test_pending_signature_contract import code
from tests.contract.test_store_contract import NOW, signature

LATER = NOW + timedelta(days=40)


async def test_anonymising_keeps_every_count_and_finds_nobody_any_more(store: Store) -> None:
    first = await store.add_signature(signature("1", "a@example.org", source="tg"))
    await store.add_signature(signature("2", "b@example.org", referrer=first.ref_code))
    gone = await store.add_signature(signature("3", "c@example.org"))
    await store.withdraw(gone.id, NOW)
    pending = await store.add_signature(
        signature("4", "d@example.org").model_copy(update={"pending": True})
    )
    await store.save_email_code(code(pending.id))
    other = await store.add_signature(signature("1", "a@example.org", petition="q"))
    before = (await store.stats("p", NOW.date(), 7), await store.count("p"))
    pending_before = await store.pending_count("p")

    assert await store.anonymise_petition("p", LATER, dry_run=True) == 3
    assert await store.signatures_of("telegram", "1") != []
    assert await store.anonymise_petition("p", LATER) == 3
    assert await store.anonymise_petition("p", LATER) == 0  # done once

    assert (await store.stats("p", NOW.date(), 7), await store.count("p")) == before
    assert await store.pending_count("p") == pending_before
    for user in ("1", "2", "3"):
        assert all(s.petition != "p" for s in await store.signatures_of("telegram", user))
        assert await store.active_signature("p", "telegram", user) is None
    assert not await store.email_has_signed("p", "a@example.org")
    # A pending signature is left whole until its code expires (erase_expired_pending).
    assert await store.email_code(pending.id) is not None
    assert (await store.active_signature("p", "telegram", "4")) is not None
    rows = [s async for batch in store.active_signatures("p") for s in batch]
    assert len(rows) == 2
    for row in rows:
        assert (row.name, row.email, row.postal_code, row.country) == (None, None, None, None)
        assert row.user_id.startswith("erased:") and not row.opted_in
    assert await store.audience_counts("p") == {}
    # Another petition of the same person keeps its signature.
    assert await store.signature(other.id) == (await store.signatures_of("telegram", "1"))[0]


async def test_anonymising_forgets_who_a_finished_broadcast_went_to(store: Store) -> None:
    await store.add_signature(signature("1", "a@example.org"))
    sent, open_ = await draft(store), await draft(store)
    await store.confirm_broadcast(sent, [], NOW)
    await store.cancel_broadcast(sent, NOW)
    await store.confirm_broadcast(open_, [], NOW)
    await store.anonymise_petition("p", LATER)
    still = await store.deliveries_to("telegram", "1")
    assert [d.broadcast_id for d in still] == [open_]  # a broadcast still sending keeps its own


async def test_expired_pending_signatures_are_deleted_with_their_code(store: Store) -> None:
    old = await store.add_signature(
        signature("1", "a@example.org").model_copy(update={"pending": True})
    )
    await store.save_email_code(code(old.id))
    fresh = await store.add_signature(
        signature("2", "b@example.org", at=NOW + timedelta(hours=5)).model_copy(
            update={"pending": True}
        )
    )
    confirmed = await store.add_signature(signature("3", "c@example.org"))
    cutoff, codes = NOW + timedelta(hours=1), NOW + timedelta(hours=25)  # its code expired
    assert await store.erase_expired_pending("p", cutoff, codes, dry_run=True) == 1
    assert await store.pending_count("p") == 2
    assert await store.erase_expired_pending("p", cutoff, codes) == 1
    assert await store.erase_expired_pending("p", cutoff, codes) == 0
    # another petition's rows only
    assert await store.erase_expired_pending("q", LATER, LATER) == 0
    assert await store.signature(old.id) is None
    assert await store.email_code(old.id) is None
    assert await store.signatures_of("telegram", "1") == []
    assert await store.consents_of("telegram", "1") == []
    assert await store.pending_count("p") == 1 and await store.count("p") == 1
    assert (await store.signature(fresh.id)) is not None
    assert (await store.signature(confirmed.id)) is not None
    # The address is free again: its owner can sign anew.
    await store.add_signature(signature("1", "a@example.org"))


async def test_a_pending_signature_whose_code_was_sent_again_late_is_kept(store: Store) -> None:
    late = await store.add_signature(
        signature("1", "a@example.org").model_copy(update={"pending": True})
    )
    # Signed long ago, but its code was sent again an hour ago and is still good.
    fresh_code = code(late.id).model_copy(update={"expires_at": LATER + timedelta(hours=23)})
    await store.save_email_code(fresh_code)
    assert await store.erase_expired_pending("p", LATER, LATER, dry_run=True) == 0
    assert await store.erase_expired_pending("p", LATER, LATER) == 0
    assert await store.email_code(late.id) == fresh_code
    after = LATER + timedelta(hours=24)
    assert await store.erase_expired_pending("p", after, after) == 1
    assert await store.signature(late.id) is None


async def test_stale_conversations_are_swept_and_fresh_ones_kept(store: Store) -> None:
    for user, age in (("1", 30), ("2", 1)):
        await store.save_conversation(
            SigningState(
                platform="telegram",
                user_id=user,
                petition="p",
                step=SigningStep.FIELD,
                nonce="n",
                answers={"email": f"{user}@example.org"},
                updated_at=NOW - timedelta(hours=age),
            )
        )
    cutoff, marks = NOW - timedelta(hours=24), NOW - timedelta(days=8)
    assert await store.delete_stale_conversations(cutoff, marks, dry_run=True) == 1
    assert await store.get_conversation("telegram", "1") is not None
    assert await store.delete_stale_conversations(cutoff, marks) == 1
    assert await store.delete_stale_conversations(cutoff, marks) == 0  # a mark is no more
    # What was typed is gone; a mark of whose it was and when stays, for the next message.
    assert await store.get_conversation("telegram", "1") == ExpiredState(
        platform="telegram", user_id="1", nonce="", updated_at=NOW - timedelta(hours=30)
    )
    assert await store.get_conversation("telegram", "2") is not None
    assert await store.delete_stale_conversations(cutoff, NOW) == 0  # marks go, unsaid
    assert await store.get_conversation("telegram", "1") is None
    assert await store.get_conversation("telegram", "2") is not None


async def test_old_inbox_rows_lose_their_replies_but_never_an_unhandled_message(
    store: Store,
) -> None:
    replies = StoredReplies(reply_to="{}", replies='[{"text": "jane@example.org"}]')
    await store.record_inbound("telegram", "1", '{"text": "jane@example.org"}', NOW)
    await store.record_inbound("telegram", "2", '{"text": "hello"}', NOW)
    await store.mark_handled("telegram", "2", replies, NOW)
    await store.record_inbound("telegram", "3", '{"text": "new"}', NOW + timedelta(days=8))
    cutoff = NOW + timedelta(days=7)
    assert await store.forget_old_inbound(cutoff, dry_run=True) == 1
    assert len(await store.unanswered("telegram")) == 1
    assert await store.forget_old_inbound(cutoff) == 1
    assert await store.forget_old_inbound(cutoff) == 0
    assert await store.unanswered("telegram") == []
    # A message nobody handled yet (the bot was down) is kept, however old: it is replayed.
    assert await store.unhandled_inbound("telegram") == [
        '{"text": "jane@example.org"}',
        '{"text": "new"}',
    ]
    # Still known by id: a late redelivery of a forgotten message is dropped.
    assert not await store.record_inbound("telegram", "2", "{}", cutoff)
