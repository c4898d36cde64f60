"""`Within`: the range a number of the configuration must fall in, named whole when it doesn't.

``Annotated[float, Within(0, 720, " hours", above=True, note="30 days")]`` refuses ``inf``,
``nan``, ``1e12``, ``true`` and ``"24"`` with "must be > 0 and at most 720 hours (30 days)",
so a typo stops start-up instead of overflowing a date later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema


@dataclass(frozen=True)
class Within:
    """A finite number from ``low`` to ``high``; ``above`` excludes ``low`` itself."""

    low: float
    high: float
    unit: str = ""
    above: bool = False
    note: str = ""

    def describe(self) -> str:
        """The range in words, e.g. "> 0 and at most 720 hours (30 days)"."""
        low, high = _number(self.low), _number(self.high)
        words = f"> {low} and at most {high}" if self.above else f"from {low} to {high}"
        return words + self.unit + (f" ({self.note})" if self.note else "")

    def check(self, value: Any) -> Any:
        """``value`` if it is a number in range (pydantic converts it after), else why not."""
        # bool is an int to Python, and a quoted "24" is a string to TOML: neither is meant.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number {self.describe()}, not {value!r}")
        low_ok = value > self.low if self.above else value >= self.low
        if not (math.isfinite(value) and low_ok and value <= self.high):
            raise ValueError(f"must be {self.describe()}, not {_number(value)}")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))


def _number(value: float) -> str:
    """``1000000000`` as "1,000,000,000", ``720.0`` as "720", ``inf`` as "inf"."""
    if not math.isfinite(value) or value != int(value):
        return str(value)
    if isinstance(value, float) and abs(value) >= 1e15:  # a float this large is not exact
        return f"{value:g}"
    whole = int(value)
    return f"{whole:,}" if abs(whole) >= 1_000_000 else str(whole)
