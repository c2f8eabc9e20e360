"""CSV or .xlsx files of code-system editions operators bring (国家临床版 2.0, 医保版 2.0).

Format:
- first row is the header; columns ``code``/编码, ``name``/名称 are required, ``parent``/上级编码
  and ``name_en``/英文名称 optional (Chinese or English header names, see ``COLUMNS``);
- UTF-8 (with or without BOM) or GBK/GB 18030 — what Excel on a Chinese Windows saves —
  comma or tab separated, or an Excel .xlsx (first sheet); see healthnet.core.tabular.

Every row is checked before anything is written; one bad row rejects the file, and every
problem is reported with its line number.
"""

from __future__ import annotations

from healthnet.core.codes import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.codes.sources import Row
from healthnet.core.tabular import Column, ImportCodes, RowErrors, read_table
from healthnet.core.tabular import ImportRejected as ImportRejected

MAX_CODE = 64
MAX_NAME = 500
# An edition is a few tens of thousands of codes (ICD-10 国家临床版 2.0: about 33 000).
MAX_ROWS = 300_000

# Each column is also recognised by its field name (code, name, parent, name_en).
COLUMNS: tuple[Column, ...] = (
    Column("code", "编码", ("代码", "疾病编码", "诊断编码", "编码值"), True, MAX_CODE),
    Column("name", "名称", ("name_zh", "中文名称", "疾病名称", "诊断名称"), True, MAX_NAME),
    Column("parent", "上级编码", ("parent_code", "父级编码", "上级代码"), False, MAX_CODE),
    Column("name_en", "英文名称", ("english", "英文名"), False, MAX_NAME),
)
IMPORT_CODES = ImportCodes.prefixed(
    "codes",
    *("rejected", "row_error", "line_error", "encoding", "not_csv", "no_rows"),
    *("missing_column", "duplicate_column", "field_count", "required", "too_long"),
    empty="codes.import_no_rows",
)


def parse_csv(content: bytes) -> list[Row]:
    """The rows of a code-system CSV or .xlsx, or :class:`ImportRejected` listing every bad
    line. Columns other than ``COLUMNS`` (e.g. 备注) are ignored."""
    errors = RowErrors(IMPORT_CODES)
    table = read_table(content, COLUMNS, errors=errors, max_rows=MAX_ROWS, unknown_columns="ignore")
    rows: list[Row] = []
    lines: list[int] = []
    first_line_of: dict[str, int] = {}
    for record in table.rows:
        bad = bool(errors.check_cells(record, COLUMNS))
        code = record.get("code")
        if code and code in first_line_of:
            errors.cell(
                record,
                "code",
                "codes.import_duplicate_code",
                concept=code,
                first=first_line_of[code],
            )
            bad = True
        elif code:
            first_line_of[code] = record.line
        if bad:
            continue
        rows.append(
            Row(
                code=code,
                display_zh=record.get("name"),
                display_en=record.get("name_en"),
                parent_code=record.get("parent") or None,
            )
        )
        lines.append(record.line)

    parent_column = table.column("parent")
    for line, row in zip(lines, rows, strict=True):
        if row.parent_code is None:
            continue
        if row.parent_code == row.code:
            errors.add(line, parent_column, "parent", "codes.import_parent_cycle", concept=row.code)
        elif row.parent_code not in first_line_of:
            errors.add(
                line,
                parent_column,
                "parent",
                "codes.import_parent_unknown",
                parent=row.parent_code,
            )
    if not errors:
        _cycles(rows, lines, parent_column, errors)
    errors.raise_if_any()
    return rows


def _cycles(rows: list[Row], lines: list[int], column: str, errors: RowErrors) -> None:
    parent_of = {r.code: r.parent_code for r in rows}
    line_of = {r.code: line for r, line in zip(rows, lines, strict=True)}
    ok: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        cur: str | None = start
        while cur is not None and cur not in ok:
            if cur in path:
                errors.add(line_of[cur], column, "parent", "codes.import_parent_cycle", concept=cur)
                break
            path.append(cur)
            cur = parent_of.get(cur)
        ok.update(path)
