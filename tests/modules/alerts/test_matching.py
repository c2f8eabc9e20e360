"""The day arithmetic of a duplicate at its edges, and protected records (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from healthnet.core.localtime import local_datetime
from healthnet.modules.alerts.matching import (
    DrugRuleSpec,
    NewDrug,
    local_date,
    match_drugs,
    remaining_supply,
    supply_last_day,
    window_start,
    within_window,
)
from healthnet.modules.alerts.service.checks import mask_protected, message


def test_a_supply_covers_its_first_day_and_the_days_after() -> None:
    assert supply_last_day(date(2026, 3, 1), 7) == date(2026, 3, 7)
    assert supply_last_day(date(2026, 2, 28), 2) == date(2026, 3, 1)  # 2026 is no leap year
    # No supply named: the order's own day only.
    assert supply_last_day(date(2026, 3, 1), None) == date(2026, 3, 1)
    assert supply_last_day(date(2026, 3, 1), 0) == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("last_day", "new_start", "left"),
    [
        (date(2026, 11, 24), date(2026, 11, 25), 0),  # ended the day before: nothing left
        (date(2026, 11, 25), date(2026, 11, 25), 1),  # ends on the start day: one day left
        (date(2026, 12, 6), date(2026, 11, 25), 12),
        (date(2026, 11, 1), date(2026, 11, 25), 0),
    ],
)
def test_remaining_supply_from_the_new_start(last_day: date, new_start: date, left: int) -> None:
    assert (
        remaining_supply(ordered_on=date(2026, 11, 1), last_day=last_day, new_start=new_start)
        == left
    )


def test_an_earlier_order_starting_after_the_new_line_counts_whole() -> None:
    # Ordered on 1 Dec for 10 days, new line starts 25 Nov: all 10 days overlap the future.
    assert (
        remaining_supply(
            ordered_on=date(2026, 12, 1), last_day=date(2026, 12, 10), new_start=date(2026, 11, 25)
        )
        == 10
    )


@pytest.mark.parametrize(
    ("done_on", "inside"),
    [
        (date(2026, 11, 25), True),  # same day
        (date(2026, 11, 23), True),  # day 3 of a 3-day window
        (date(2026, 11, 22), False),  # exactly 3 days before: outside
        (date(2026, 11, 26), False),  # after the order day: not an earlier test
    ],
)
def test_a_window_of_three_days_is_the_test_day_and_two_more(done_on: date, inside: bool) -> None:
    assert within_window(done_on=done_on, order_on=date(2026, 11, 25), window_days=3) is inside


def test_a_one_day_window_is_the_same_day_only() -> None:
    order = date(2026, 11, 25)
    assert within_window(done_on=order, order_on=order, window_days=1)
    assert not within_window(done_on=date(2026, 11, 24), order_on=order, window_days=1)
    assert window_start(order, 1) == order
    assert window_start(order, 3) == date(2026, 11, 23)


def test_days_are_shanghai_days() -> None:
    # 23:30 UTC on the 24th is 07:30 on the 25th in Shanghai.
    assert local_date(datetime(2026, 11, 24, 23, 30, tzinfo=UTC)) == date(2026, 11, 25)
    assert local_datetime(date(2026, 11, 25)) == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


# ---------------------------------------------------------------- protected records


@dataclass(frozen=True)
class _Order:
    """A medication fact as records gives it, with the sensitivity label it may carry."""

    order_id: str
    institution_id: str
    institution_name: str
    ordered_at: datetime
    drug_code: str
    generic_name: str
    ingredient_code: str | None
    atc_code: str | None
    days_supply: int | None
    sensitivity: str | None = None


_RULE = DrugRuleSpec(
    code="DRUG-INGREDIENT",
    name="同成分重复用药",
    match="ingredient",
    atc_prefix=None,
    tolerance_days=0,
    severity="warning",
    exempt_encounter_classes=frozenset(),
    exempt_codes=(),
)
_NEW = NewDrug(0, "D-OLZ", "奥氮平片", "ING-OLANZAPINE", "N05AH03", date(2026, 11, 25))


def _order(institution: str, sensitivity: str | None) -> _Order:
    return _Order(
        "o1",
        institution,
        "上海市精神卫生中心",
        datetime(2026, 11, 20, 2, tzinfo=UTC),
        "MH-OLZ",
        "奥氮平片",
        "ING-OLANZAPINE",
        "N05AH03",
        30,
        sensitivity,
    )


def test_a_labelled_record_of_another_institution_is_prompted_without_where_or_what() -> None:
    [finding] = match_drugs(
        drugs=[_NEW],
        history=[_order("inst-mh", "mental")],
        rules=[_RULE],
        encounter_class="outpatient",
        own_institution_id="inst-a",
    )
    assert finding.protected
    shown = mask_protected(finding)
    assert (shown.earlier_institution_id, shown.earlier_institution_name) == (None, "其他医疗机构")
    assert shown.earlier_name == "受保护的用药记录" and shown.remaining_days == 25
    assert message(shown) == (
        "患者于2026-11-20在其他医疗机构有受保护的用药记录，余量约25天，与本次奥氮平片疑似重复用药"
    )
    assert "精神" not in message(shown)


@pytest.mark.parametrize(("institution", "label"), [("inst-a", "mental"), ("inst-mh", None)])
def test_own_institutions_and_unlabelled_records_are_shown_in_full(
    institution: str, label: str | None
) -> None:
    [finding] = match_drugs(
        drugs=[_NEW],
        history=[_order(institution, label)],
        rules=[_RULE],
        encounter_class="outpatient",
        own_institution_id="inst-a",
    )
    assert not finding.protected
    assert mask_protected(finding) == finding
    assert "上海市精神卫生中心开具奥氮平片" in message(finding)
