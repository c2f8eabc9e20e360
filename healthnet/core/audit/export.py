"""CSV and Excel renderings of audit records, with Chinese headers and local times.

Cells that a spreadsheet would run as a formula are prefixed with ``'`` (OWASP "CSV
injection"): a user agent or resource id is attacker-controlled text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from healthnet.config import get_settings
from healthnet.core.i18n import has, t

COLUMNS: tuple[tuple[str, str], ...] = (
    ("seq", "序号"),
    ("occurred_at", "时间（北京时间）"),
    ("actor_username", "用户名"),
    ("actor_id", "用户ID"),
    ("actor_roles", "角色"),
    ("institution_id", "机构ID"),
    ("client_ip", "客户端IP"),
    ("user_agent", "终端"),
    ("action", "操作"),
    ("resource_type", "对象类型"),
    ("resource_id", "对象ID"),
    ("patient_id", "患者平台ID"),
    ("purpose", "使用目的"),
    ("outcome", "结果"),
    ("detail", "详情"),
    ("request_id", "请求号"),
    ("hash", "SM3 哈希"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    media_type: str
    filename: str


def _cell(key: str, value: Any, tz: ZoneInfo) -> Any:
    if value is None:
        return ""
    if key == "occurred_at" and isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    if key in ("purpose", "outcome"):
        code = f"audit.{key}.{value}"
        return t(code) if has(code) else value
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _rows(records: Iterable[dict[str, Any]]) -> Iterable[list[Any]]:
    tz = ZoneInfo(get_settings().timezone)
    for r in records:
        yield [_cell(key, r.get(key), tz) for key, _ in COLUMNS]


def to_csv(records: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([title for _, title in COLUMNS])
    writer.writerows(_rows(records))
    # UTF-8 with BOM: Excel on Chinese Windows opens it without mangling the headers.
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def to_xlsx(records: Iterable[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计记录")
    ws.append([title for _, title in COLUMNS])
    for row in _rows(records):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def render(records: Iterable[dict[str, Any]], file_format: str, stamp: datetime) -> ExportFile:
    local = stamp.astimezone(ZoneInfo(get_settings().timezone))
    name = f"audit-{local.strftime('%Y%m%d-%H%M%S')}"
    if file_format == "csv":
        return ExportFile(to_csv(records), "text/csv; charset=utf-8", f"{name}.csv")
    return ExportFile(
        to_xlsx(records),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{name}.xlsx",
    )
