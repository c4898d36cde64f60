"""The store contract for languages: a person's chosen language, and the language each
signature and consent was given in, counted per language for /stats."""

from __future__ import annotations

from datetime import timedelta

from core.store import Store
from tests.contract.test_store_contract import NOW, signature


async def test_a_chosen_language_is_stored_per_account_and_replaced(store: Store) -> None:
    assert await store.chosen_language("telegram", "1") is None
    await store.choose_language("telegram", "1", "es", NOW)
    await store.choose_language("telegram", "1", "en", NOW + timedelta(minutes=1))
    await store.choose_language("discord", "1", "es", NOW)
    assert await store.chosen_language("telegram", "1") == "en"
    assert await store.chosen_language("discord", "1") == "es"
    assert await store.chosen_language("telegram", "2") is None


async def test_a_signature_keeps_its_language_and_its_consent_texts_language(
    store: Store,
) -> None:
    new = signature().model_copy(update={"language": "es", "consent_language": "es"})
    stored = await store.add_signature(new)
    assert (stored.language, stored.consent_language) == ("es", "es")
    read = await store.active_signature("p", "telegram", "1")
    assert read is not None and (read.language, read.consent_language) == ("es", "es")
    [signed] = await store.signatures_of("telegram", "1")
    assert signed.consent_version == "v1" and signed.consent_language == "es"
    processing = [c for c in await store.consents_of("telegram", "1") if c.kind == "processing"]
    assert [(c.text_version, c.language) for c in processing] == [("v1", "es")]


async def test_stats_count_signatures_by_language_as_one_petition(store: Store) -> None:
    for user, language in (("1", "es"), ("2", "es"), ("3", "en"), ("4", "es")):
        new = signature(user, f"p{user}@example.org").model_copy(update={"language": language})
        await store.add_signature(new)
    withdrawn = await store.active_signature("p", "telegram", "4")
    assert withdrawn is not None
    await store.withdraw(withdrawn.id, NOW)
    stats = await store.stats("p", NOW.date(), 7)
    assert stats.total == 3 == await store.count("p")
    assert stats.by_language == {"es": 2, "en": 1}


async def test_a_pending_signature_joins_its_language_when_confirmed(store: Store) -> None:
    new = signature().model_copy(update={"language": "es", "pending": True})
    stored = await store.add_signature(new)
    assert (await store.stats("p", NOW.date(), 7)).by_language == {}
    await store.confirm_signature(stored.id, NOW)
    assert (await store.stats("p", NOW.date(), 7)).by_language == {"es": 1}


async def test_a_draft_keeps_a_text_per_language_and_a_confirmed_one_no_longer_changes(
    store: Store,
) -> None:
    draft = await store.create_broadcast("p", "News!", "telegram:9", ("telegram", "9"), NOW)
    assert draft.translations == {} and draft.text_in("es") == "News!"
    assert await store.set_broadcast_translation(draft.id, "es", "¡Noticias!")
    assert await store.set_broadcast_translation(draft.id, "es", "¡Novedades!")
    assert await store.set_broadcast_translation(draft.id, "fr", "Nouvelles !")
    stored = await store.get_broadcast(draft.id)
    assert stored is not None
    assert stored.translations == {"es": "¡Novedades!", "fr": "Nouvelles !"}
    assert stored.text_in("es") == "¡Novedades!" and stored.text_in("en") == "News!"
    await store.confirm_broadcast(draft.id, [], NOW)
    assert not await store.set_broadcast_translation(draft.id, "es", "Too late")
    assert [b.translations for b in await store.sending_broadcasts()] == [stored.translations]


async def test_each_claimed_delivery_carries_its_persons_language(store: Store) -> None:
    for user, language in (("1", "es"), ("2", "en"), ("3", "en")):
        new = signature(user, f"p{user}@example.org").model_copy(update={"language": language})
        await store.add_signature(new)
    await store.choose_language("telegram", "3", "es", NOW)  # the choice wins
    draft = await store.create_broadcast("p", "News!", "telegram:9", ("telegram", "9"), NOW)
    await store.confirm_broadcast(draft.id, [("telegram", "@news")], NOW)
    claimed = await store.claim_deliveries(draft.id, "telegram", 10)
    languages = {(d.kind, d.address): d.language for d in claimed}
    assert languages == {
        ("person", "1"): "es",
        ("person", "2"): "en",
        ("person", "3"): "es",
        ("channel", "@news"): None,
    }


async def test_a_broadcast_keeps_its_authors_language(store: Store) -> None:
    made = await store.create_broadcast("p", "¡Hola!", "telegram:9", ("telegram", "9"), NOW, "es")
    default = await store.create_broadcast(None, "Hi!", "telegram:9", ("telegram", "9"), NOW)
    assert made.language == "es" and default.language == "en"
    assert [b.language for b in await store.recent_broadcasts(5)] == ["en", "es"]
