"""The figures moderators read: counts, statistics and goal progress, as catalog text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from babel.dates import format_date

from core.catalog import Catalog, language_name
from core.config import PetitionConfig
from core.markup import Markup
from core.models import IMPORT_PLATFORM, TALLY_SOURCE, RecentSignature, Stats

# Names the bot gives itself, said in the reader's language (a platform's own name, or a
# source an organizer chose, is shown as it is).
_OWN_PLATFORMS = {IMPORT_PLATFORM: "stats_platform_import"}
_OWN_SOURCES = {"direct": "stats_source_direct", TALLY_SOURCE: "stats_source_tally"}


def next_milestone(total: int, goal: int) -> int:
    """The goal until it is passed, then the next multiple of the goal."""
    return goal if total < goal else (total // goal + 1) * goal


def percent(total: int, goal: int) -> Decimal:
    """Progress towards the goal, one decimal (``42.5``), written as each language does."""
    return Decimal(f"{100 * total / goal:.1f}")


def count_report(
    catalog: Catalog,
    petition: PetitionConfig,
    total: int,
    language: str | None = None,
    pending: int = 0,
) -> Markup:
    """One line: how many signed (confirmed), of which goal, and how many wait for a code."""
    line = catalog.render(
        "count",
        language,
        petition.messages,
        title=petition.title,
        count=total,
        goal=petition.goal,
        percent=percent(total, petition.goal),
    )
    return line + pending_note(catalog, petition, pending, language)


def pending_note(
    catalog: Catalog, petition: PetitionConfig, pending: int, language: str | None
) -> Markup:
    """ " Waiting for their email code: N" where signatures wait for one, else nothing."""
    if not pending:
        return Markup()
    return catalog.render("count_pending", language, petition.messages, pending=pending)


def stats_report(
    catalog: Catalog, petition: PetitionConfig, stats: Stats, language: str | None = None
) -> Markup:
    """Total, today, each of the last days, breakdowns, and goal progress or the next milestone."""

    def render(key: str, **values: object) -> Markup:
        return catalog.render(key, language, petition.messages, **values)

    days = Markup()
    reader = catalog.resolve(language)
    for day in stats.last_days:
        named = format_date(day.day, "EEE dd MMM", locale=reader)  # "Mon 01 Dec", "lun 01 dic"
        days += render("stats_day", day=named, count=day.count)
    languages = [
        (language_name(code, in_sentence=True, reader=reader), n)
        for code, n in sorted(stats.by_language.items(), key=lambda item: -item[1])
    ]
    milestone = next_milestone(stats.total, petition.goal)
    progress = (
        render("stats_goal", goal=petition.goal, percent=percent(stats.total, petition.goal))
        if stats.total < petition.goal
        else render("stats_goal_passed", goal=petition.goal, milestone=milestone)
    )
    return (
        render(
            "stats",
            title=petition.title,
            total=stats.total,
            today=stats.today,
            days=days,
            by_platform=_breakdown(render, _said(render, stats.by_platform, _OWN_PLATFORMS)),
            by_source=_breakdown(render, _said(render, stats.by_source, _OWN_SOURCES)),
            by_language=_breakdown(render, languages),
            referrers=_breakdown(render, stats.top_referrers),
            progress=progress,
        )
        + origins_line(catalog, petition, stats, language)
        + pending_note(catalog, petition, stats.pending, language)
    )


def _said(
    render: Callable[..., Markup], counts: dict[str, int], own: dict[str, str]
) -> list[tuple[str, int]]:
    """The breakdown with the bot's own names in the reader's language."""
    return [
        (render(own[name]).to_plain_text() if name in own else name, n)
        for name, n in counts.items()
    ]


def origins_line(
    catalog: Catalog, petition: PetitionConfig, stats: Stats, language: str | None = None
) -> Markup:
    """Online, imported and tallied signatures apart, once a petition has offline ones."""
    if not stats.imported and not stats.tallied:
        return Markup()
    return catalog.render(
        "stats_origins",
        language,
        petition.messages,
        online=stats.online,
        imported=stats.imported,
        tallied=stats.tallied,
    )


def recent_report(
    catalog: Catalog,
    petition: PetitionConfig,
    recent: list[RecentSignature],
    language: str | None = None,
) -> Markup:
    """The latest signers as first name and initial, time and platform."""
    if not recent:
        return catalog.render("recent_none", language, petition.messages, title=petition.title)
    lines = Markup()
    for item in recent:
        lines += catalog.render(
            "recent_line",
            language,
            petition.messages,
            who=item.display,
            at=item.signed_at.strftime("%Y-%m-%d %H:%M UTC"),
            platform=(
                catalog.render(_OWN_PLATFORMS[item.platform], language).to_plain_text()
                if item.platform in _OWN_PLATFORMS
                else item.platform
            ),
        )
    return catalog.render("recent", language, petition.messages, title=petition.title, lines=lines)


def _breakdown(render: Callable[..., Markup], items: Iterable[tuple[str, int]]) -> Markup:
    pairs = sorted(items, key=lambda pair: (-pair[1], pair[0]))
    if not pairs:
        return render("stats_none")
    text = Markup()
    for index, (name, count) in enumerate(pairs):
        text += render("stats_item" if index == 0 else "stats_item_next", name=name, count=count)
    return text
