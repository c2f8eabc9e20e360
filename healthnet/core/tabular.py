"""Reading the tables operators bring: CSV (as Excel on a Chinese Windows saves it) or .xlsx.

One place for what every import needs before its own rules run:

- the file type is sniffed from its bytes, never trusted from a name or a content type: a ZIP
  container is read as .xlsx (first worksheet), the old binary .xls is refused with a hint,
  anything else is CSV;
- CSV text is UTF-8 (with or without BOM) or GB 18030, the superset of GBK that Excel writes;
  comma separated (a header with tabs and no commas is read as tab separated);
- the first non-blank row is the header; each :class:`Column` may be named in Chinese, by its
  field name or by an alias, matched loosely (case, spaces, ``_`` and ``-`` do not count);
- line numbers are the ones the operator sees: the CSV line where the record starts, or the
  Excel row number; blank rows are skipped but keep their numbers;
- every problem is collected in :class:`RowErrors` with its line, and the import is refused as a
  whole (:class:`ImportRejected`) so nothing is written if any row is bad.

Message codes default to the ``import.*`` codes of ``healthnet.core.messages``; a slice that
already published its own codes passes them in with :meth:`ImportCodes.prefixed`.

Typical use::

    errors = RowErrors(IMPORT_CODES)
    table = read_table(content, COLUMNS, errors=errors, max_rows=50_000)
    for row in table.rows:
        errors.check_cells(row, COLUMNS)          # required cells, maximum lengths
        ...                                       # the slice's own rules, errors.cell(row, ...)
    errors.raise_if_any()
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, NoReturn

from healthnet.core import messages as _core_messages  # noqa: F401  (registers import.*)
from healthnet.core.errors import FieldError, ValidationFailed
from healthnet.core.i18n import t

# An .xlsx is a ZIP (ECMA-376 Part 2); a .xls is an OLE2 compound file ([MS-CFB] §2.2).
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF8_BOM = b"\xef\xbb\xbf"
# Bound on the unpacked size of an .xlsx, so a small upload cannot unpack into gigabytes
# (zipfile never returns more than an entry's declared size, so the declared sizes are a bound).
MAX_XLSX_UNPACKED = 256 * 1024 * 1024


def normalize(text: str) -> str:
    """The loose key headers and enumerated words are matched by: no spaces, ``_``, ``-``; lower."""
    return "".join(text.split()).replace("_", "").replace("-", "").lower()


@dataclass(frozen=True)
class Column:
    """One column an import understands.

    ``field`` is the key in :attr:`TableRow.values`; ``zh`` the header written in templates and
    named in "missing column" messages; ``aliases`` other headers operators use (English ones
    included). ``required`` means the column must be in the header and its cells not empty (the
    latter checked by :meth:`RowErrors.check_cells`), ``max_length`` bounds a cell's characters.
    """

    field: str
    zh: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None


@dataclass(frozen=True)
class ImportCodes:
    """The message codes an import reports with; the defaults are the core ``import.*`` ones."""

    rejected: str = "import.rejected"  # the whole file, {count}
    row_error: str = "import.row_error"  # wraps a cell's message: {line}, {column}, {message}
    line_error: str = "import.line_error"  # wraps a line's message: {line}, {message}
    encoding: str = "import.encoding"
    not_csv: str = "import.not_csv"  # {reason}
    not_xlsx: str = "import.not_xlsx"
    xls_unsupported: str = "import.xls_unsupported"
    too_large: str = "import.too_large"  # {limit} in MiB
    empty: str = "import.empty"
    no_rows: str = "import.no_rows"
    too_many_rows: str = "import.too_many_rows"  # {max}
    unknown_column: str = "import.unknown_column"  # {name}
    duplicate_column: str = "import.duplicate_column"  # {name}
    missing_column: str = "import.missing_column"  # {name}
    field_count: str = "import.field_count"  # {found}, {expected}
    required: str = "import.required"
    too_long: str = "import.too_long"  # {max}

    @classmethod
    def prefixed(cls, prefix: str, *names: str, **overrides: str) -> ImportCodes:
        """``{prefix}.import_{name}`` for each of ``names``, ``overrides`` as given, else core."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = (set(names) | set(overrides)) - known
        if unknown:
            raise ValueError(f"not import message kinds: {sorted(unknown)}")
        return cls(**{name: f"{prefix}.import_{name}" for name in names}, **overrides)


@dataclass(frozen=True)
class RowError(FieldError):
    """One problem in the file: its line (the header's line for header problems), the field,
    and the header as written (empty when the problem is the whole line)."""

    line: int = 0
    column: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


class ImportRejected(ValidationFailed):
    """The file has errors; nothing was written. ``errors`` holds every :class:`RowError`."""

    def __init__(self, code: str, errors: Sequence[RowError]) -> None:
        super().__init__(code, errors=list(errors), count=len(errors))

    @property
    def row_errors(self) -> list[RowError]:
        return [e for e in self.errors if isinstance(e, RowError)]


@dataclass(frozen=True)
class TableRow:
    """One data row: its line and the stripped text of each known column the file has."""

    line: int
    values: dict[str, str]  # field → cell text, only for columns present in the header
    headers: Mapping[str, str] = field(repr=False)  # field → header as written (shared)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def column(self, name: str) -> str:
        """The header as the operator wrote it, for messages ("" if the file lacks it)."""
        return self.headers.get(name, "")


@dataclass(frozen=True)
class Table:
    header_line: int
    headers: dict[str, str]  # field → header as written, for the known columns present
    rows: list[TableRow]  # rows with a structural problem are left out (and reported)

    def has(self, name: str) -> bool:
        return name in self.headers

    def column(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)


class RowErrors:
    """Collects every problem of a file, then refuses it as a whole."""

    def __init__(self, codes: ImportCodes | None = None) -> None:
        self.codes = codes or ImportCodes()
        self._errors: list[RowError] = []

    def __len__(self) -> int:
        return len(self._errors)

    def __iter__(self) -> Iterator[RowError]:
        return iter(self._errors)

    def add(self, line: int, column: str, field: str, code: str, /, **params: Any) -> RowError:
        """Record ``code`` rendered with ``params``; ``column`` "" means the whole line."""
        return self.add_text(line, column, field, code, t(code, **params))

    def add_text(self, line: int, column: str, field: str, code: str, message: str) -> RowError:
        """Record an already rendered message (e.g. from pydantic) at ``line``."""
        text = (
            t(self.codes.row_error, line=line, column=column, message=message)
            if column
            else t(self.codes.line_error, line=line, message=message)
        )
        error = RowError(field=field, code=code, message=text, line=line, column=column)
        self._errors.append(error)
        return error

    def cell(self, row: TableRow, field: str, code: str, /, **params: Any) -> RowError:
        """Record ``code`` for the cell of ``field`` in ``row``."""
        return self.add(row.line, row.column(field), field, code, **params)

    def fail(self, line: int, code: str, /, **params: Any) -> NoReturn:
        """Refuse the file at once for a problem of the whole file."""
        self.add(line, "", "file", code, **params)
        raise self.rejected()

    def check_cells(self, row: TableRow, columns: Iterable[Column]) -> set[str]:
        """Report empty required cells and over-long cells; the fields that failed."""
        failed: set[str] = set()
        for col in columns:
            if col.field not in row.values:
                continue
            value = row.values[col.field]
            if col.required and not value:
                self.cell(row, col.field, self.codes.required)
                failed.add(col.field)
            elif col.max_length is not None and len(value) > col.max_length:
                self.cell(row, col.field, self.codes.too_long, max=col.max_length)
                failed.add(col.field)
        return failed

    def rejected(self) -> ImportRejected:
        return ImportRejected(self.codes.rejected, sorted(self._errors, key=lambda e: e.line))

    def raise_if_any(self) -> None:
        if self._errors:
            raise self.rejected()


def decode(content: bytes, errors: RowErrors) -> str:
    """UTF-8 (BOM or not) first; otherwise GB 18030, the superset of GBK that Excel writes."""
    # A BOM promises UTF-8, so a file with one is not given a second chance as GBK.
    encodings = ("utf-8-sig",) if content.startswith(_UTF8_BOM) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    errors.fail(1, errors.codes.encoding)


def _csv_records(content: bytes, errors: RowErrors) -> Iterator[tuple[int, list[str]]]:
    text = decode(content, errors)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as exc:
        errors.fail(start, errors.codes.not_csv, reason=str(exc))


def _cell_text(value: object) -> str:
    """A cell as the operator sees it in Excel, for the same checks as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2000.0 → "2000", as Excel shows it
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_records(content: bytes, errors: RowErrors) -> Iterator[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        errors.fail(1, errors.codes.not_xlsx)
    if unpacked > MAX_XLSX_UNPACKED:
        errors.fail(1, errors.codes.too_large, limit=MAX_XLSX_UNPACKED // (1024 * 1024))
    from openpyxl import load_workbook  # imported here: only xlsx uploads pay for it

    # openpyxl parses with defusedxml when it is installed (a dependency), which refuses
    # entity-expansion attacks.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and similar, harmless
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # an untrusted file can break a parser in any way
        errors.fail(1, errors.codes.not_xlsx)
    try:
        if not book.worksheets:
            errors.fail(1, errors.codes.empty)
        sheet = book.worksheets[0]  # templates keep the data on the first sheet
        rows = iter(sheet.iter_rows(min_row=1, values_only=True))
        line = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                break
            except Exception:  # malformed sheet XML surfaces while iterating
                errors.fail(line + 1, errors.codes.not_xlsx)
            line += 1
            yield line, [_cell_text(v) for v in values]
    finally:
        book.close()


def _records(content: bytes, errors: RowErrors) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records of the file with their first line numbers."""
    if content.startswith(_OLE2_MAGIC):
        errors.fail(1, errors.codes.xls_unsupported)
    source = _xlsx_records if content.startswith(_ZIP_MAGIC) else _csv_records
    for line, record in source(content, errors):
        if any(cell.strip() for cell in record):
            yield line, record


@lru_cache(maxsize=64)
def _header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in columns:
        for name in (col.zh, col.field, *col.aliases):
            other = index.setdefault(normalize(name), col)
            if other is not col:
                raise ValueError(f"header {name!r} names both {other.field} and {col.field}")
    return index


def _read_header(
    line: int,
    cells: list[str],
    columns: tuple[Column, ...],
    errors: RowErrors,
    unknown_columns: Literal["error", "ignore"],
) -> list[Column | None]:
    index = _header_index(columns)
    codes = errors.codes
    mapped: list[Column | None] = []
    seen: set[str] = set()
    for cell in cells:
        name = cell.strip()
        col = index.get(normalize(name)) if name else None
        if col is None:
            if name and unknown_columns == "error":
                errors.add(line, name, "header", codes.unknown_column, name=name)
            mapped.append(None)  # empty header cells (spreadsheets' trailing columns) and ignored
        elif col.field in seen:
            errors.add(line, name, "header", codes.duplicate_column, name=name)
            mapped.append(None)
        else:
            seen.add(col.field)
            mapped.append(col)
    for col in columns:
        if col.required and col.field not in seen:
            errors.add(line, "", "header", codes.missing_column, name=col.zh)
    errors.raise_if_any()
    return mapped


def read_table(
    content: bytes,
    columns: Sequence[Column],
    *,
    errors: RowErrors,
    max_rows: int,
    unknown_columns: Literal["error", "ignore"] = "error",
) -> Table:
    """The header and data rows of a CSV or .xlsx file.

    Raises :class:`ImportRejected` at once for problems of the whole file (encoding, syntax, no
    header, no data row, more than ``max_rows`` data rows) and for header problems (unknown —
    unless ``unknown_columns="ignore"`` —, repeated or missing required columns). A row with
    more non-empty cells than the header is reported in ``errors`` and left out; missing
    trailing cells are read as empty.
    """
    codes = errors.codes
    records = _records(content, errors)
    first = next(records, None)
    if first is None:
        errors.fail(1, codes.empty)
    header_line, header_cells = first
    mapped = _read_header(header_line, header_cells, tuple(columns), errors, unknown_columns)
    headers = {
        col.field: header_cells[i].strip() for i, col in enumerate(mapped) if col is not None
    }
    width = len(header_cells)
    rows: list[TableRow] = []
    count = 0
    for line, record in records:
        count += 1
        if count > max_rows:
            errors.fail(line, codes.too_many_rows, max=max_rows)
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            errors.add(line, "", "row", codes.field_count, found=len(record), expected=width)
            continue
        values = {
            col.field: (record[i].strip() if i < len(record) else "")
            for i, col in enumerate(mapped)
            if col is not None
        }
        rows.append(TableRow(line, values, headers))
    if count == 0:
        errors.fail(header_line, codes.no_rows)
    return Table(header_line, headers, rows)


def template_csv(columns: Iterable[Column]) -> str:
    """The header row with the Chinese column names, for operators to fill in."""
    return ",".join(col.zh for col in columns) + "\r\n"
