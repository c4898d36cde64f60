"""`/metrics` in Prometheus' text format.

Signature totals are gauges read from the store at each scrape, so every process shows the
campaign's truth whichever process took a signature. The rest are this process's counters.
Labels are petitions, platforms, kinds and outcomes only: never a person or a user id.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bots.web.context import context_of
from core.bot import PetitionBot, utc_now
from core.messages import Inbound
from core.meter import Meter

routes = web.RouteTableDef()

PROCESS = CollectorRegistry()
MESSAGES = Counter(
    "petition_bot_messages_handled",
    "Inbound messages answered by this process",
    ["platform", "kind"],
    registry=PROCESS,
)
WITHDRAWALS = Counter(
    "petition_bot_withdraw_commands",
    "/withdraw commands this process handled",
    ["platform"],
    registry=PROCESS,
)
LATENCY = Histogram(
    "petition_bot_handler_seconds",
    "Time from an inbound message to its stored answer",
    ["platform", "kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=PROCESS,
)
REFUSALS = Counter(
    "petition_bot_refusals",
    "Commands refused for lack of a role",
    ["platform", "command"],
    registry=PROCESS,
)
STORE_COMMIT = Histogram(
    "petition_bot_store_commit_seconds",
    "From a turn's answer to its writes (inbox mark included) committed to the store",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=PROCESS,
)
DELIVERIES = Counter(
    "petition_bot_broadcast_deliveries",
    "Broadcast deliveries this process finished, by outcome",
    ["platform", "outcome"],
    registry=PROCESS,
)
RATE_LIMIT_PAUSES = Counter(
    "petition_bot_rate_limit_pauses",
    'Times a platform asked this process\'s broadcasts to wait ("retry after")',
    ["platform"],
    registry=PROCESS,
)
RATE_LIMIT_SECONDS = Counter(
    "petition_bot_rate_limit_pause_seconds",
    "Seconds of those waits",
    ["platform"],
    registry=PROCESS,
)
ERRORS = Counter(
    "petition_bot_errors",
    "ERROR log records of this process, by logger (module) name",
    ["logger"],
    registry=PROCESS,
)


class PrometheusMeter(Meter):
    """The core's moments as this process's Prometheus counters."""

    def turn(self, inbound: Inbound, seconds: float) -> None:
        kind = str(inbound.kind)
        MESSAGES.labels(inbound.platform, kind).inc()
        LATENCY.labels(inbound.platform, kind).observe(seconds)
        if inbound.command == "withdraw":
            WITHDRAWALS.labels(inbound.platform).inc()

    def refused(self, platform: str, command: str) -> None:
        REFUSALS.labels(platform, command).inc()  # declared command names: a small set

    def committed(self, seconds: float) -> None:
        STORE_COMMIT.observe(seconds)

    def delivered(self, platform: str, outcome: str) -> None:
        DELIVERIES.labels(platform, outcome).inc()

    def paused(self, platform: str, seconds: float) -> None:
        RATE_LIMIT_PAUSES.labels(platform).inc()
        RATE_LIMIT_SECONDS.labels(platform).inc(seconds)


METER = PrometheusMeter()


class ErrorCounter(logging.Handler):
    """Counts ERROR records by logger name (the message, which may hold ids, is not read)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels(record.name).inc()  # module names: a fixed, small set


_ERROR_COUNTER = ErrorCounter()


def instrument(core: PetitionBot) -> None:
    """Count ``core``'s turns and this process's logged errors (idempotent)."""
    core.meters.add(METER)
    root = logging.getLogger()
    if _ERROR_COUNTER not in root.handlers:
        root.addHandler(_ERROR_COUNTER)


class _Signatures(Collector):
    """Gauges of figures already read from the store for this scrape."""

    def __init__(self, figures: dict[tuple[str, str], int], pending: dict[str, int]) -> None:
        self._figures = figures
        self._pending = pending

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "petition_bot_signatures",
            "Signatures in the store, by petition, platform and status",
            labels=["petition", "platform", "status"],
        )
        for (petition, platform), count in sorted(self._figures.items()):
            gauge.add_metric([petition, platform, "confirmed"], count)
        yield gauge
        waiting = GaugeMetricFamily(
            "petition_bot_pending_signatures",
            "Signatures waiting for their email code, by petition (not yet counted)",
            labels=["petition"],
        )
        for petition, count in sorted(self._pending.items()):
            waiting.add_metric([petition], count)
        yield waiting


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    context = context_of(request)
    token = context.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return web.Response(status=401, text="bearer token required\n")
    today = utc_now().date()
    figures: dict[tuple[str, str], int] = {}
    pending: dict[str, int] = {}
    for petition in context.feed.campaign.petitions:
        pending[petition.slug] = await context.feed.pending(petition)
        for platform, count in (await context.feed.breakdown(petition, today)).items():
            figures[petition.slug, platform] = count
    scrape = CollectorRegistry()
    scrape.register(_Signatures(figures, pending))
    body = generate_latest(scrape) + generate_latest(PROCESS)
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4"})
