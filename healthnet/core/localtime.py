"""The platform's time zone (``HEALTHNET_TIMEZONE``, Asia/Shanghai): datetimes are stored in UTC;
days — a prescription's last day, a follow-up's due date, "today" — are local calendar days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from healthnet.config import get_settings


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)  # ZoneInfo caches its instances


def local_date(moment: datetime) -> date:
    """The local calendar day of an aware datetime (07:00 in Shanghai is that day, not the UTC
    day before)."""
    return moment.astimezone(local_zone()).date()


def local_today() -> date:
    return datetime.now(local_zone()).date()


def local_datetime(day: date, at: time = time.min) -> datetime:
    """``at`` o'clock on the local ``day``, as a UTC datetime."""
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(UTC)
