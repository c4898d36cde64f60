"""The signatures chart: signatures per day as bars, the running total against the goal.

Drawn with matplotlib's object-oriented API (a ``Figure`` of its own, no pyplot and no
global backend), so it is safe in a thread and in a process that draws with another
backend. matplotlib is imported when a chart is drawn, not when the bot starts.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING

from core.catalog import Catalog
from core.config import PetitionConfig
from core.models import DayCount
from core.reports import percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes

EMPTY_DAYS = 30  # what the chart covers before anyone signed
# Below this share of the goal, a goal-scaled line would lie flat on the axis: the total
# gets its own scale and the goal is named at the top instead of drawn.
GOAL_IN_SCALE = 0.1
SIZE_INCHES = (10, 5.6)
DPI = 120  # 1200 x 672 pixels: sharp on a phone, small as a PNG
BAR_COLOUR = "#9ecae1"
TOTAL_COLOUR = "#08519c"
GOAL_COLOUR = "#d94801"

Label = Callable[..., str]


def filled_days(daily_counts: Iterable[DayCount], today: date) -> list[DayCount]:
    """One entry per day from the first signature (or the last 30 days) to today, gaps as 0."""
    per_day: dict[date, int] = {}
    for item in daily_counts:
        per_day[item.day] = per_day.get(item.day, 0) + item.count
    first = min(per_day, default=today - timedelta(days=EMPTY_DAYS - 1))
    last = max([today, *per_day])
    days = (first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return [DayCount(day=day, count=per_day.get(day, 0)) for day in days]


def total_axis_top(total: int, goal: int) -> tuple[float, bool]:
    """The running-total axis's upper limit, and whether the goal line fits on it."""
    if total >= goal * GOAL_IN_SCALE:
        return max(goal, total) * 1.1, True
    return max(total * 1.4, 10), False


def signatures_chart(
    petition: PetitionConfig,
    daily_counts: Iterable[DayCount],
    today: date,
    *,
    catalog: Catalog | None = None,
    language: str | None = None,
    pending: int = 0,
    origins: tuple[int, int, int] | None = None,
) -> bytes:
    """A PNG: signatures per day (bars, left axis) and the running total (line, right axis)
    with a labelled goal line. The title is the petition's; labels come from the catalog."""
    from matplotlib.figure import Figure

    messages = catalog or Catalog.load()

    def label(key: str, **values: object) -> str:
        return messages.render(key, language, petition.messages, **values).to_plain_text()

    days = filled_days(daily_counts, today)
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    bars = figure.add_subplot()
    _draw_days(bars, days, label)
    running = bars.twinx()
    _draw_total(running, days, petition.goal, label)
    bars.set_title(petition.title, fontsize=14, fontweight="bold", loc="left")
    notes = []
    if origins is not None:  # online, imported, tallied: all three are in the bars and total
        online, imported, tallied = origins
        notes.append(label("chart_origins", online=online, imported=imported, tallied=tallied))
    if pending:  # drawn apart: the bars and the total are confirmed signatures only
        notes.append(label("chart_pending", pending=pending))
    if notes:
        figure.supxlabel("   ".join(notes), fontsize=9, x=0.01, ha="left")
    handles = [*bars.get_legend_handles_labels()[0], *running.get_legend_handles_labels()[0]]
    figure.legend(handles=handles, loc="outside upper right", ncols=2, frameon=False)

    # A title with emoji or a script the bundled font lacks draws boxes: not worth a warning.
    # (A filter, not ``catch_warnings``, which is not thread-safe; this runs in a thread.)
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _draw_days(axes: Axes, days: list[DayCount], label: Label) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    dates = date2num([item.day for item in days])  # matplotlib's day numbers
    counts = [item.count for item in days]
    axes.bar(dates, counts, width=0.8, color=BAR_COLOUR, label=label("chart_per_day"))
    axes.set_ylabel(label("chart_per_day"))
    axes.set_ylim(0, max(max(counts) * 1.15, 5))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    locator = AutoDateLocator(minticks=4, maxticks=10)
    axes.xaxis.set_major_locator(locator)
    years_only = ["", "%Y", "%Y", "%Y", "%Y", "%Y"]  # under the axis: "2026", not "2026-Dec"
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator, offset_formats=years_only))
    axes.set_xlim(dates[0] - 1, dates[-1] + 1)  # a day of room on each side
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top"]].set_visible(False)


def _draw_total(axes: Axes, days: list[DayCount], goal: int, label: Label) -> None:
    from matplotlib.dates import date2num
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    dates = date2num([item.day for item in days])
    totals = list(accumulate(item.count for item in days))
    total = totals[-1]
    axes.plot(dates, totals, color=TOTAL_COLOUR, linewidth=2.2, label=label("chart_total"))
    top, goal_fits = total_axis_top(total, goal)
    axes.set_ylim(0, top)
    reached = percent(total, goal)
    if goal_fits:
        axes.axhline(goal, color=GOAL_COLOUR, linestyle="--", linewidth=1.5)
        goal_text, goal_at = label("chart_goal", goal=goal, percent=reached), float(goal)
    else:
        goal_text, goal_at = label("chart_goal_above", goal=goal, percent=reached), top
    axes.annotate(
        goal_text,
        xy=(0.01, goal_at),
        xycoords=("axes fraction", "data"),
        xytext=(0, 4 if goal_fits else -14),
        textcoords="offset points",
        color=GOAL_COLOUR,
        fontweight="bold",
    )
    axes.annotate(
        label("chart_now", count=total),
        xy=(dates[-1], total),
        xytext=(-6, 8),
        textcoords="offset points",
        ha="right",
        color=TOTAL_COLOUR,
        fontweight="bold",
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
    )
    axes.set_ylabel(label("chart_total"), color=TOTAL_COLOUR)
    axes.tick_params(axis="y", colors=TOTAL_COLOUR)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axes.spines[["top"]].set_visible(False)
