"""A sheet of signatures as CSV: the header matched to the fields, then the rows one by one.

Column names are matched as Action Network's export and upload name them (``first_name``,
``last_name``, ``email``, ``zip_code``) and a few common spellings; ``--map COL=field`` names
any other. The delimiter (comma, semicolon or tab, as spreadsheets save) is read off the
header; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from core.errors import BadInput


class SheetField(StrEnum):
    """What a column may hold."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    NAME = "name"
    EMAIL = "email"
    POSTAL_CODE = "postal_code"
    OPTED_IN = "opted_in"


# Header names (lower case, spaces and dashes as underscores) each field is found under.
ALIASES: Mapping[str, SheetField] = {
    **dict.fromkeys(("first_name", "firstname", "first", "given_name"), SheetField.FIRST_NAME),
    **dict.fromkeys(
        ("last_name", "lastname", "last", "surname", "family_name"), SheetField.LAST_NAME
    ),
    **dict.fromkeys(("name", "full_name", "fullname"), SheetField.NAME),
    **dict.fromkeys(("email", "email_address", "e_mail", "mail"), SheetField.EMAIL),
    **dict.fromkeys(
        ("zip_code", "zip", "zipcode", "postal_code", "postcode", "post_code"),
        SheetField.POSTAL_CODE,
    ),
    **dict.fromkeys(("opted_in", "opt_in", "updates", "subscribed"), SheetField.OPTED_IN),
}  # fmt: skip
DELIMITERS = ",;\t"
MAX_CELL = 1000  # longer cells are cut: nothing unbounded reaches validation or a report


class SheetUnreadable(BadInput):
    """The file can't be read as a sheet of signatures; ``message_key`` names the answer."""

    def __init__(self, message_key: str, **values: object) -> None:
        super().__init__(f"{message_key}: {values}")
        self.message_key = message_key
        self.values = values


@dataclass(frozen=True)
class SheetRow:
    """One row: the line it starts on, its cells by header, and the fields found in it."""

    line: int
    cells: dict[str, str]
    values: dict[SheetField, str]
    extra_cells: bool = False  # more cells than the header names


def parse_mapping(entries: Iterable[str]) -> dict[str, SheetField]:
    """``COL=field`` entries as a header → field map; a bad entry raises `SheetUnreadable`."""
    mapping: dict[str, SheetField] = {}
    for entry in entries:
        column, sep, name = entry.partition("=")
        try:
            field = SheetField(name.strip().lower())
        except ValueError:
            field = None
        if not sep or not column.strip() or field is None:
            fields = ", ".join(f.value for f in SheetField)
            raise SheetUnreadable("import_bad_map", entry=entry, fields=fields)
        mapping[_normal(column)] = field
    return mapping


class Sheet:
    """The rows of one CSV, read lazily from its lines (a file opened with ``newline=""``)."""

    def __init__(self, lines: Iterable[str], mapping: Mapping[str, SheetField] | None = None):
        self._lines = iter(lines)
        first = _first_line(self._lines)
        delimiter = _delimiter(first)
        # strict: a quote left open is an error with its line, not the rest of the file
        # swallowed into one cell.
        self._reader = csv.reader(_chain(first, self._lines), delimiter=delimiter, strict=True)
        try:
            header = next(self._reader)
        except StopIteration as exc:
            raise SheetUnreadable("import_no_header") from exc
        except csv.Error as exc:  # a header there, but broken: say where, not "empty"
            raise _broken(exc, 1) from exc
        self.header = _unique([cell.strip() for cell in header])
        self.columns = _match(self.header, mapping or {})
        self._last_line = self._reader.line_num

    @property
    def fields(self) -> frozenset[SheetField]:
        """The fields some column holds."""
        return frozenset(self.columns.values())

    @property
    def line(self) -> int:
        """The last line read so far (for progress)."""
        return self._reader.line_num

    def __iter__(self) -> Iterator[SheetRow]:
        while True:
            start = self._last_line + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _broken(exc, start) from exc
            except UnicodeDecodeError as exc:
                raise SheetUnreadable("import_not_utf8", line=start) from exc
            self._last_line = self._reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line between rows, as spreadsheets leave at the end
            width = min(len(cells), len(self.header))
            named = {self.header[i]: cells[i][:MAX_CELL] for i in range(width)}
            values = {field: named.get(column, "") for column, field in self.columns.items()}
            yield SheetRow(start, named, values, extra_cells=len(cells) > len(self.header))


def _unique(header: list[str]) -> list[str]:
    """The header with a repeated name numbered ("email", "email (2)"): each column keeps its
    own cells, and a field is read from the first column of its name."""
    seen: dict[str, int] = {}
    named = []
    for column in header:
        seen[column] = seen.get(column, 0) + 1
        named.append(column if seen[column] == 1 else f"{column} ({seen[column]})")
    return named


def _broken(error: csv.Error, line: int) -> SheetUnreadable:
    """What to say of a line the csv module refused: a cell past its size limit (a pasted
    document?), else a quote left open."""
    if "field larger than field limit" in str(error):
        return SheetUnreadable("import_cell_too_long", line=line, limit=csv.field_size_limit())
    return SheetUnreadable("import_broken_csv", line=line)


def _first_line(lines: Iterator[str]) -> str:
    try:
        first = next(lines)
    except StopIteration:
        raise SheetUnreadable("import_no_header") from None
    except UnicodeDecodeError as exc:
        raise SheetUnreadable("import_not_utf8", line=1) from exc
    return first.removeprefix("\ufeff")


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _delimiter(header: str) -> str:
    """The one of ``DELIMITERS`` the header line uses most (a comma when none)."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _normal(column: str) -> str:
    return re.sub(r"[\s-]+", "_", column.strip().lower())


def _match(header: list[str], mapping: Mapping[str, SheetField]) -> dict[str, SheetField]:
    """Each header cell that holds a field, by ``mapping`` first, then by ``ALIASES``."""
    normal = {_normal(column): column for column in header}
    unknown = [column for column in mapping if column not in normal]
    if unknown:
        raise SheetUnreadable(
            "import_map_unknown_column", column=unknown[0], columns=", ".join(header)
        )
    columns: dict[str, SheetField] = {}
    taken: set[SheetField] = set()
    for key, field in mapping.items():
        columns[normal[key]] = field
        taken.add(field)
    for column in header:
        found = ALIASES.get(_normal(column))
        if found is not None and column not in columns and found not in taken:
            columns[column] = found
            taken.add(found)
    return columns
