"""CSV files of code-system editions that operators bring (国家临床版 2.0, 医保版 2.0, ...).

Format:
- first row is the header; columns ``code``/编码, ``name``/名称 are required, ``parent``/上级编码
  and ``name_en``/英文名称 optional (Chinese or English header names, see ``COLUMNS``);
- UTF-8 (with or without BOM) or GBK/GB 18030 — what Excel on a Chinese Windows saves;
- comma separated (a header with tabs and no commas is read as tab separated).

Every row is checked before anything is written; one bad row rejects the file, and every
problem is reported with its line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from healthnet.core.codes import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.codes.sources import Row
from healthnet.core.errors import FieldError, ValidationFailed
from healthnet.core.i18n import t

MAX_CODE = 64
MAX_NAME = 500


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    aliases: tuple[str, ...]
    required: bool = False
    max_length: int = MAX_NAME


COLUMNS: tuple[Column, ...] = (
    Column("code", "编码", ("code", "代码", "疾病编码", "诊断编码", "编码值"), True, MAX_CODE),
    Column("name", "名称", ("name", "name_zh", "中文名称", "疾病名称", "诊断名称"), True),
    Column(
        "parent", "上级编码", ("parent", "parent_code", "父级编码", "上级代码"), False, MAX_CODE
    ),
    Column("name_en", "英文名称", ("name_en", "english", "英文名")),
)
_BY_NAME = {name.strip().lower(): col for col in COLUMNS for name in (col.zh, *col.aliases)}


@dataclass(frozen=True)
class RowError(FieldError):
    """One problem in the file: its line (1 = header), the field and the header as written."""

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

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("codes.import_rejected", errors=list(errors), count=len(errors))


def _error(line: int, column: str, field: str, code: str, **params: Any) -> RowError:
    message = t(code, **params)
    text = (
        t("codes.import_row_error", line=line, column=column, message=message)
        if column
        else t("codes.import_line_error", line=line, message=message)
    )
    return RowError(field=field, code=code, message=text, line=line, column=column)


def decode(content: bytes) -> str:
    """UTF-8 (BOM or not) first; otherwise GB 18030, the superset of GBK that Excel writes."""
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise ImportRejected([_error(1, "", "file", "codes.import_encoding")]) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportRejected([_error(1, "", "file", "codes.import_encoding")]) from None


def _records(text: str) -> list[tuple[int, list[str]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                out.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRejected(
            [_error(start, "", "file", "codes.import_not_csv", reason=str(exc))]
        ) from None
    return out


def parse_csv(content: bytes) -> list[Row]:
    """The rows of a code-system CSV, or :class:`ImportRejected` listing every bad line."""
    records = _records(decode(content))
    if not records:
        raise ImportRejected([_error(1, "", "file", "codes.import_no_rows")])
    header_line, header = records[0]
    errors: list[RowError] = []
    columns: list[Column | None] = []
    seen: set[str] = set()
    for name in header:
        col = _BY_NAME.get(name.strip().lower())
        if col is not None and col.field in seen:
            errors.append(
                _error(header_line, name, "header", "codes.import_duplicate_column", header=name)
            )
            col = None
        if col is not None:
            seen.add(col.field)
        columns.append(col)  # unknown columns (e.g. 备注) are ignored
    for col in COLUMNS:
        if col.required and col.field not in seen:
            errors.append(
                _error(header_line, "", "header", "codes.import_missing_column", header=col.zh)
            )
    if errors:
        raise ImportRejected(errors)
    if len(records) == 1:
        raise ImportRejected([_error(header_line, "", "file", "codes.import_no_rows")])
    header_name = {c.field: header[i].strip() for i, c in enumerate(columns) if c is not None}

    rows: list[Row] = []
    lines: list[int] = []
    first_line_of: dict[str, int] = {}
    for line, cells in records[1:]:
        if len(cells) > len(header):
            errors.append(
                _error(
                    line,
                    "",
                    "row",
                    "codes.import_field_count",
                    found=len(cells),
                    expected=len(header),
                )
            )
            continue
        cells = cells + [""] * (len(header) - len(cells))  # trailing empty cells may be left out
        values = {c.field: cells[i].strip() for i, c in enumerate(columns) if c is not None}
        bad = False
        for col in COLUMNS:
            value = values.get(col.field, "")
            if col.required and not value:
                errors.append(
                    _error(line, header_name[col.field], col.field, "codes.import_required")
                )
                bad = True
            elif len(value) > col.max_length:
                errors.append(
                    _error(
                        line,
                        header_name[col.field],
                        col.field,
                        "codes.import_too_long",
                        max=col.max_length,
                    )
                )
                bad = True
        code = values.get("code", "")
        if code and code in first_line_of:
            errors.append(
                _error(
                    line,
                    header_name["code"],
                    "code",
                    "codes.import_duplicate_code",
                    concept=code,
                    first=first_line_of[code],
                )
            )
            bad = True
        elif code:
            first_line_of[code] = line
        if bad:
            continue
        rows.append(
            Row(
                code=code,
                display_zh=values["name"],
                display_en=values.get("name_en", ""),
                parent_code=values.get("parent") or None,
            )
        )
        lines.append(line)

    for line, row in zip(lines, rows, strict=True):
        if row.parent_code is None:
            continue
        if row.parent_code == row.code:
            errors.append(
                _error(
                    line,
                    header_name["parent"],
                    "parent",
                    "codes.import_parent_cycle",
                    concept=row.code,
                )
            )
        elif row.parent_code not in first_line_of:
            errors.append(
                _error(
                    line,
                    header_name["parent"],
                    "parent",
                    "codes.import_parent_unknown",
                    parent=row.parent_code,
                )
            )
    if not errors:
        errors += _cycles(rows, lines, header_name.get("parent", ""))
    if errors:
        errors.sort(key=lambda e: e.line)
        raise ImportRejected(errors)
    return rows


def _cycles(rows: list[Row], lines: list[int], column: str) -> list[RowError]:
    parent_of = {r.code: r.parent_code for r in rows}
    line_of = {r.code: line for r, line in zip(rows, lines, strict=True)}
    ok: set[str] = set()
    errors: list[RowError] = []
    for start in parent_of:
        path: list[str] = []
        cur: str | None = start
        while cur is not None and cur not in ok:
            if cur in path:
                errors.append(
                    _error(line_of[cur], column, "parent", "codes.import_parent_cycle", concept=cur)
                )
                break
            path.append(cur)
            cur = parent_of.get(cur)
        ok.update(path)
    return errors
