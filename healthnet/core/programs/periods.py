"""Period keys of program indicators: ``2026-03`` (month), ``2026Q1`` (quarter), ``2026``
(year) — the keys stored in ``programs_indicator_value`` and given to the read API."""

from __future__ import annotations

from datetime import date

PERIOD_TYPES = ("month", "quarter", "year")


def period_key(period_type: str, d: date) -> str:
    if period_type == "month":
        return f"{d.year:04d}-{d.month:02d}"
    if period_type == "quarter":
        return f"{d.year:04d}Q{(d.month - 1) // 3 + 1}"
    return f"{d.year:04d}"


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _keys_of_month(index: int) -> tuple[str, str, str]:
    year, month0 = divmod(index, 12)
    return (f"{year:04d}-{month0 + 1:02d}", f"{year:04d}Q{month0 // 3 + 1}", f"{year:04d}")


def parse_period(period_type: str, key: str) -> tuple[date, date]:
    """First and last day of a period key (``2026-03``, ``2026Q1``, ``2026``); ValueError when
    the key does not fit the period type."""
    k = key.strip()
    try:
        if period_type == "month" and len(k) == 7 and k[4] == "-":
            y, m = int(k[:4]), int(k[5:])
            if not 1 <= m <= 12:
                raise ValueError(key)
            start = date(y, m, 1)
            end = date(y + (m == 12), m % 12 + 1, 1)
        elif period_type == "quarter" and len(k) == 6 and k[4] in "Qq":
            y, q = int(k[:4]), int(k[5])
            if not 1 <= q <= 4:
                raise ValueError(key)
            start = date(y, 3 * q - 2, 1)
            end = date(y + (q == 4), (3 * q) % 12 + 1, 1)
        elif period_type == "year" and len(k) == 4:
            y = int(k)
            start, end = date(y, 1, 1), date(y + 1, 1, 1)
        else:
            raise ValueError(key)
    except (ValueError, IndexError):
        raise ValueError(key) from None
    if not 1900 <= start.year <= 2999:
        raise ValueError(key)
    return start, date.fromordinal(end.toordinal() - 1)


def normalise_period(period_type: str, key: str) -> str:
    return period_key(period_type, parse_period(period_type, key)[0])


def periods_between(period_type: str, first: str, last: str) -> list[str]:
    """Every period key from ``first`` to ``last`` inclusive (empty when last < first)."""
    start, _ = parse_period(period_type, first)
    stop, _ = parse_period(period_type, last)
    out: list[str] = []
    step = {"month": 1, "quarter": 3, "year": 12}[period_type]
    i = _month_index(start)
    while i <= _month_index(stop):
        year, month0 = divmod(i, 12)
        out.append(period_key(period_type, date(year, month0 + 1, 1)))
        i += step
    return out


def month_index(d: date) -> int:
    return _month_index(d)


def keys_of_month(index: int) -> tuple[str, str, str]:
    """The month, quarter and year keys of the month ``index`` (year × 12 + month − 1)."""
    return _keys_of_month(index)
