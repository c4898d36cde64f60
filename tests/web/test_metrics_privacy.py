"""`/metrics` tells what a signing did; no endpoint shows anything of the signer."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bots.console import ConsoleChat
from core.bot import utc_now
from tests.fakes.fake_sender import FakeSender
from tests.web.site import EMAIL, NAME, SLUG, running_site, sign_in_terminal


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_count_the_signature_and_the_messages_of_a_signing(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        async with http.get(site.url + "/metrics") as response:
            before = samples(await response.text())
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        async with http.get(site.url + "/metrics") as response:
            assert response.status == 200
            after = samples(await response.text())
    key = (
        "petition_bot_signatures",
        (("petition", SLUG), ("platform", "console"), ("status", "confirmed")),
    )
    assert before.get(key, 0) == 0 and after[key] == 1
    assert after["petition_bot_pending_signatures", (("petition", SLUG),)] == 0  # no codes asked
    handled = (
        "petition_bot_messages_handled_total",
        (("kind", "command"), ("platform", "console")),
    )
    assert after[handled] - before.get(handled, 0) == 1  # /sign; the rest were text and choices
    latency = ("petition_bot_handler_seconds_count", (("kind", "choice"), ("platform", "console")))
    assert after[latency] - before.get(latency, 0) >= 3
    for name, labels in after:
        assert "alice" not in dict(labels).values(), (name, labels)


async def test_metrics_ask_for_the_bearer_token_when_one_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETITION_BOT_METRICS_TOKEN", "s3cret")
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        async with http.get(site.url + "/metrics") as response:
            assert response.status == 401
        auth = {"Authorization": "Bearer s3cret"}
        async with http.get(site.url + "/metrics", headers=auth) as response:
            assert response.status == 200


async def test_no_endpoint_shows_anything_of_the_signer(tmp_path: Path) -> None:
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        await sign_in_terminal(site.runtime, "zquax", NAME, EMAIL)
        paths = [
            "/api/petitions",
            f"/api/petitions/{SLUG}",
            f"/widget/{SLUG}",
            f"/widget/{SLUG}?theme=dark",
            "/embed.js",
            "/healthz",
            "/readyz",
            "/metrics",
            f"/poster/{SLUG}.png",
        ]
        secrets = [NAME, *NAME.split(), EMAIL, "zquax"]
        for path in paths:
            async with http.get(site.url + path) as response:
                assert response.status == 200, path
                body = (await response.read()).decode("latin-1")
            for secret in secrets:
                assert secret.lower() not in body.lower(), (path, secret)
        async with http.get(f"{site.url}/api/petitions/{SLUG}/events") as stream:
            chunk = await stream.content.readuntil(b"}\n\n")
        for secret in secrets:
            assert secret.lower() not in chunk.decode().lower()


async def test_metrics_count_refusals_commits_deliveries_and_rate_limit_pauses(
    tmp_path: Path,
) -> None:
    """The per-process counters the core reports: a refused command, each turn's commit, a
    broadcast's deliveries by outcome, and the platform's "retry after" waits."""
    async with running_site(tmp_path) as site, aiohttp.ClientSession() as http:
        async with http.get(site.url + "/metrics") as response:
            before = samples(await response.text())
        await sign_in_terminal(site.runtime, "alice", NAME, EMAIL)
        await sign_in_terminal(site.runtime, "bob", "Bob Jones", "bob@example.org")
        supporter = ConsoleChat(site.runtime.core, "carol", io.StringIO())
        await supporter.say("/stats")  # a moderator's command
        core = site.runtime.core
        draft = await core.desk.draft(
            None, "Rally on Saturday", "cli:test", ("cli", "t"), utc_now()
        )
        await core.desk.confirm(draft.id, "cli:test", utc_now())
        sender = FakeSender("console", rate_limit_next=[0.01], blocked={"bob"})
        await core.deliveries.service(sender, report=False).worker.deliver_pending()
        async with http.get(site.url + "/metrics") as response:
            after = samples(await response.text())

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("petition_bot_refusals_total", platform="console", command="stats") == 1
    assert grew("petition_bot_store_commit_seconds_count") >= 14  # every turn of both signings
    deliveries = "petition_bot_broadcast_deliveries_total"
    assert grew(deliveries, platform="console", outcome="delivered") == 1
    assert grew(deliveries, platform="console", outcome="unreachable") == 1
    assert grew("petition_bot_rate_limit_pauses_total", platform="console") == 1
    assert grew("petition_bot_rate_limit_pause_seconds_total", platform="console") == 0.01
