"""Exports: Action Network CSV and OSDI lines, streamed, neutralised, organizers only, audited."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from core.bot import PetitionBot
from core.config import EmailAliases
from core.exports import (
    CSV_COLUMNS,
    ExportFormat,
    export_bytes,
    export_size,
    neutralise,
    split_name,
    write_export,
)
from core.fields import email_key
from core.models import NewSignature, Signature
from core.store import Store
from storage import SqliteStore
from tests.fakes.memory_store import MemoryStore
from tests.unit.chat import GROUP_WITH_LINKS, Chat, Clock, campaign

SLUG = "dont-run-joe"
SIGNED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ORGANIZER = "telegram:9"
MODERATOR = "telegram:8"


def new(
    user: str,
    name: str | None = "Jane Doe",
    email: str | None = None,
    *,
    postal_code: str | None = "12345",
    source: str | None = None,
    referrer: str | None = None,
    opted_in: bool = True,
    at: datetime = SIGNED,
) -> NewSignature:
    address = email or f"user{user}@example.org"
    return NewSignature(
        petition=SLUG,
        platform="telegram",
        user_id=user,
        name=name,
        email=address,
        email_key=email_key(address, EmailAliases.DISTINCT),
        postal_code=postal_code,
        country="US",
        source=source,
        referrer_code=referrer,
        ref_code=f"r_CODE{user:0>4}",
        consent_version="2026-11-v1",
        opted_in=opted_in,
        signed_at=at,
    )


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sqlite = await SqliteStore.open(tmp_path / "export.db")
    yield sqlite
    await sqlite.close()


def parse_csv(content: bytes) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8"), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    return list(reader)


async def test_csv_has_action_network_columns_field_by_field(store: Store) -> None:
    await store.add_signature(
        new(
            "1",
            "Mary Ann  van Dyke",
            "Mary@Example.org",
            source="newsletter",
            referrer="r_ABCDEFGH",
        )
    )
    await store.add_signature(
        new("2", "Cher", postal_code=None, opted_in=False, at=SIGNED + timedelta(hours=3))
    )
    content, rows = await export_bytes(store, SLUG)
    assert rows == 2
    assert content.startswith(b"email,first_name,last_name,zip_code,country,created_date,")
    mary, cher = parse_csv(content)
    assert mary == {
        "email": "Mary@Example.org",
        "first_name": "Mary",
        "last_name": "Ann van Dyke",
        "zip_code": "12345",
        "country": "US",
        "created_date": "2026-11-30T12:00:00Z",
        "platform": "telegram",
        "source": "newsletter",
        "referrer": "r_ABCDEFGH",
        "opted_in": "true",
        "consent_version": "2026-11-v1",
    }
    assert cher == {
        "email": "user2@example.org",
        "first_name": "Cher",
        "last_name": "",
        "zip_code": "",
        "country": "US",
        "created_date": "2026-11-30T15:00:00Z",
        "platform": "telegram",
        "source": "",
        "referrer": "",
        "opted_in": "false",
        "consent_version": "2026-11-v1",
    }


async def test_withdrawn_signatures_are_never_exported(store: Store) -> None:
    kept = await store.add_signature(new("1", "Kept Signer"))
    gone = await store.add_signature(new("2", "Gone Signer"))
    assert await store.withdraw(gone.id, SIGNED + timedelta(minutes=5))
    csv_bytes, csv_rows = await export_bytes(store, SLUG)
    osdi_bytes, osdi_rows = await export_bytes(store, SLUG, ExportFormat.OSDI)
    assert (csv_rows, osdi_rows) == (1, 1)
    assert [row["email"] for row in parse_csv(csv_bytes)] == [kept.email]
    assert b"Gone" not in csv_bytes + osdi_bytes and b"user2@" not in csv_bytes + osdi_bytes


async def test_formula_cells_are_neutralised_by_the_exporter(store: Store) -> None:
    # Validation refuses these names in the conversation; the exporter must not rely on it.
    await store.add_signature(new("1", '=HYPERLINK("http://evil")'))
    await store.add_signature(new("2", "Jane -Doe", source="+cmd", email="@me@example.org"))
    evil, jane = parse_csv((await export_bytes(store, SLUG))[0])
    assert evil["first_name"] == '\'=HYPERLINK("http://evil")'
    assert (jane["first_name"], jane["last_name"]) == ("Jane", "'-Doe")
    assert (jane["source"], jane["email"]) == ("'+cmd", "'@me@example.org")
    assert jane["zip_code"] == "12345" and jane["created_date"].startswith("2026")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_trigger_gets_a_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "Jane", "12345-6789", "a=b", "'quoted", " =x"])
def test_ordinary_cells_are_left_alone(cell: str) -> None:
    assert neutralise(cell) == cell


def test_names_split_into_first_word_and_the_rest() -> None:
    assert split_name("  Mary   Ann van  Dyke ") == ("Mary", "Ann van Dyke")
    assert split_name("Cher") == ("Cher", "")
    assert split_name(None) == ("", "")


async def test_osdi_lines_are_record_signature_helper_bodies(store: Store) -> None:
    await store.add_signature(new("1", "Jane Q Doe", source="newsletter", referrer="r_ABCDEFGH"))
    await store.add_signature(new("2", "Cher", postal_code=None, opted_in=False))
    content, rows = await export_bytes(store, SLUG, ExportFormat.OSDI)
    lines = content.decode("utf-8").splitlines()
    assert rows == len(lines) == 2
    jane, cher = (json.loads(line) for line in lines)
    assert jane == {
        "origin_system": "petition-bot",
        "action_date": "2026-11-30T12:00:00Z",
        "referrer_data": {"referrer": "r_ABCDEFGH", "source": "newsletter"},
        "person": {
            "given_name": "Jane",
            "family_name": "Q Doe",
            "email_addresses": [
                {"address": "user1@example.org", "primary": True, "status": "subscribed"}
            ],
            "postal_addresses": [{"primary": True, "postal_code": "12345", "country": "US"}],
        },
    }
    assert "referrer_data" not in cher and "family_name" not in cher["person"]
    assert cher["person"]["email_addresses"][0]["status"] == "unsubscribed"
    assert cher["person"]["postal_addresses"] == [{"primary": True, "country": "US"}]


async def test_text_and_binary_streams_get_the_same_export_with_progress() -> None:
    store = MemoryStore()
    for user in range(1, 6):
        await store.add_signature(new(str(user), f"Signer {user}"))
    binary, text = io.BytesIO(), io.StringIO(newline="")
    seen: list[int] = []
    rows = await write_export(store, SLUG, binary, progress=seen.append, batch_size=2)
    await write_export(store, SLUG, text, batch_size=2)
    assert rows == 5 and seen == [2, 4, 5]
    assert binary.getvalue() == text.getvalue().encode("utf-8")
    assert await export_size(store, SLUG) == 5


async def test_an_empty_petition_exports_just_the_header() -> None:
    content, rows = await export_bytes(MemoryStore(), SLUG)
    assert rows == 0 and content == (",".join(CSV_COLUMNS) + "\r\n").encode()
    assert await export_bytes(MemoryStore(), SLUG, ExportFormat.OSDI) == (b"", 0)


class WatchedStore(MemoryStore):
    """Checks, as each batch is handed out, that the previous one is already written."""

    def __init__(self, out: io.StringIO) -> None:
        super().__init__()
        self.out = out
        self.batch_sizes: list[int] = []

    async def active_signatures(
        self, petition: str, batch_size: int = 1000, include_pending: bool = False
    ) -> AsyncIterator[list[Signature]]:
        self.batch_sizes.append(batch_size)
        async for batch in super().active_signatures(petition, batch_size, include_pending):
            yield batch
            assert batch[-1].email in self.out.getvalue(), "a batch was held back"


async def test_the_export_streams_batch_by_batch() -> None:
    out = io.StringIO(newline="")
    store = WatchedStore(out)
    for user in range(1, 8):
        await store.add_signature(new(str(user)))
    assert await write_export(store, SLUG, out, batch_size=3) == 7
    assert store.batch_sizes == [3]


# The /export command


@pytest.fixture
def bot() -> tuple[PetitionBot, MemoryStore]:
    store = MemoryStore()
    roles = {"organizers": frozenset({ORGANIZER}), "moderators": frozenset({MODERATOR})}
    return PetitionBot(campaign(**roles), store, clock=Clock()), store


@pytest.mark.parametrize("user", ["1", "8"], ids=["supporter", "moderator"])
async def test_export_is_refused_to_supporters_and_moderators(bot, user: str) -> None:
    core, store = bot
    await Chat(core, "1").sign("Jane Doe", "jane@example.org")
    [reply] = await Chat(core, user).send("/export")
    assert "only for the campaign team" in reply.text.to_plain_text()
    assert reply.file is None
    assert [(e.actor, e.action) for e in store.audit] == [(f"telegram:{user}", "refused:export")]


async def test_an_organizers_export_is_a_private_csv_and_is_audited(bot) -> None:
    core, store = bot
    await Chat(core, "1").sign("Jane Doe", "jane@example.org")
    await Chat(core, "2").sign("John Roe", "john@example.org")
    [reply] = await Chat(core, "9").send(f"/export {SLUG}")
    assert reply.private and reply.file is not None
    assert reply.file.filename == f"{SLUG}-signatures-2026-11-30.csv"
    assert reply.file.mime_type == "text/csv"
    assert [r["email"] for r in parse_csv(reply.file.content)] == [
        "jane@example.org",
        "john@example.org",
    ]
    assert "2 signatures exported" in reply.text.to_plain_text()
    exported = [e for e in store.audit if e.action == "export" and e.detail]
    assert [(e.actor, e.petition, e.detail) for e in exported] == [(ORGANIZER, SLUG, "2 rows csv")]
    assert exported[0].at == Clock().now


async def test_export_in_a_group_continues_in_private(bot) -> None:
    core, store = bot
    await Chat(core, "1").sign("Jane Doe", "jane@example.org")
    in_group = Chat(core, "9", private=False, caps=GROUP_WITH_LINKS)
    [answer] = await in_group.send(f"/export {SLUG}")
    assert answer.file is None and store.audit == []  # nothing happened yet
    [link] = answer.links
    payload = link.url.split("start=")[1]
    assert payload == f"{SLUG}__c_export"
    [reply] = await Chat(core, "9").send(f"/start {payload}")
    assert reply.private and reply.file is not None and b"jane@example.org" in reply.file.content
    # The link is no way around the role check.
    [refused] = await Chat(core, "1").send(f"/start {payload}")
    assert refused.file is None and "only for the campaign team" in refused.text.to_plain_text()
    assert store.audit[-1].action == "refused:export"
