"""One signature per address: which addresses are the same signer, a rule set per petition."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from bots.config import ConfigError, parse_config
from core.config import EmailAliases, PetitionConfig
from core.fields import email_key, validate_email_address
from core.models import NewSignature
from core.signing import SignOutcome, sign
from core.states import SigningState, SigningStep
from core.store import Store
from storage import SqliteStore
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import EXAMPLE
from tests.unit.test_config import example

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opened: Store = (
        await SqliteStore.open(tmp_path / "emails.db")
        if request.param == "sqlite"
        else MemoryStore()
    )
    yield opened
    await opened.close()


def petition(aliases: EmailAliases = EmailAliases.DISTINCT) -> PetitionConfig:
    return EXAMPLE.campaign.default_petition.model_copy(update={"email_aliases": aliases})


async def signs(store: Store, petition: PetitionConfig, user: str, email: str) -> SignOutcome:
    """Account ``user`` finishes signing with ``email`` (as the conversation saved it)."""
    state = SigningState(
        platform="telegram",
        user_id=user,
        petition=petition.slug,
        step=SigningStep.SUMMARY,
        nonce="n",
        answers={"name": "Jane Doe", "email": email, "postal_code": "12345"},
        opted_in=True,
        updated_at=NOW,
    )
    return await sign(store, petition, state, NOW)


@pytest.mark.parametrize("typed", ["ｊａｎｅ@example.org", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｏｒｇ"])
def test_a_full_width_address_is_stored_as_the_address_it_stands_for(typed: str) -> None:
    assert validate_email_address(typed) == "jane@example.org"


async def test_a_full_width_address_signs_once(store: Store) -> None:
    # A conversation saved before addresses were NFKC-normalised still holds the full-width form.
    assert (await signs(store, petition(), "1", "ｊａｎｅ@example.org")).signature
    second = await signs(store, petition(), "2", "Jane@example.org")
    assert second.already_signed and second.by_email
    assert await store.count(petition().slug) == 1


async def test_strasse_and_strasse_with_sharp_s_are_two_signers(store: Store) -> None:
    assert (await signs(store, petition(), "1", "strasse@example.org")).signature
    assert (await signs(store, petition(), "2", "straße@example.org")).signature
    again = await signs(store, petition(), "3", "STRASSE@Example.org")
    assert again.already_signed and again.by_email
    assert await store.count(petition().slug) == 2


@pytest.mark.parametrize(
    "alias", ["j.a.n.e@gmail.com", "jane+petitions@gmail.com", "Jane@GoogleMail.com"]
)
async def test_gmail_aliases_are_one_signer_when_the_petition_merges_them(
    store: Store, alias: str
) -> None:
    merging = petition(EmailAliases.MERGE)
    first = await signs(store, merging, "1", "jane+news@gmail.com")
    assert first.signature and first.signature.email == "jane+news@gmail.com"  # as typed
    second = await signs(store, merging, "2", alias)
    assert second.already_signed and second.by_email
    assert await store.email_has_signed(merging.slug, email_key(alias, merging.email_aliases))
    assert await store.count(merging.slug) == 1


async def test_aliases_are_distinct_signers_by_default(store: Store) -> None:
    addresses = ["jane@gmail.com", "j.a.n.e@gmail.com", "jane+news@gmail.com", "jane@example.org"]
    for user, address in enumerate(addresses):
        assert (await signs(store, petition(), str(user), address)).signature
    assert await store.count(petition().slug) == len(addresses)


def test_plus_tags_merge_on_every_domain_and_dots_only_on_gmail() -> None:
    merge = EmailAliases.MERGE
    assert email_key("Jane+news@Example.org", merge) == "jane@example.org"
    assert email_key("j.a.n.e@example.org", merge) == "j.a.n.e@example.org"
    assert email_key("+news@example.org", merge) == "+news@example.org"  # nothing left to keep
    assert email_key("Jane.Doe@example.org", EmailAliases.DISTINCT) == "jane.doe@example.org"


def test_email_aliases_is_a_petition_setting() -> None:
    data = example()
    data["petitions"][0]["email_aliases"] = "merge"
    assert parse_config(data).campaign.petitions[0].email_aliases is EmailAliases.MERGE
    data["petitions"][0]["email_aliases"] = "yes"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert any(p.startswith("petitions[0].email_aliases:") for p in caught.value.problems)


def test_an_internationalised_domain_is_compared_in_its_idna_form() -> None:
    typed = validate_email_address("Jane@MÜNCHEN.de")
    assert typed == "Jane@xn--mnchen-3ya.de"
    same = validate_email_address("jane@XN--MNCHEN-3YA.DE")
    assert email_key(typed, EmailAliases.DISTINCT) == email_key(same, EmailAliases.DISTINCT)


def test_a_new_signature_with_an_email_must_carry_its_key() -> None:
    with pytest.raises(ValidationError, match="email_key"):
        NewSignature(
            petition="p",
            platform="telegram",
            user_id="1",
            email="jane@example.org",
            country="US",
            ref_code="r_AAAAAAAA",
            consent_version="v1",
            opted_in=True,
            signed_at=NOW,
        )
