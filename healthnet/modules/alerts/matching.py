"""The arithmetic of a duplicate: pure functions over rules, new lines and earlier facts.

Days are calendar days in the platform's time zone (Asia/Shanghai): an order signed at 07:00
on 20 November in Shanghai was ordered on the 20th, whatever its UTC date.

**Supply.** An earlier order of ``s`` days placed on day ``d0`` covers ``d0 … d0+s-1`` (7 days
from 1 March last to 7 March); an order without a supply covers only its own day. Its
*remaining supply* for a new line starting on day ``S`` is the number of covered days from
``max(S, d0)`` on: ``last − max(S, d0) + 1``, never below 0. Ending the day before ``S`` leaves
0 days; ending on ``S`` leaves 1. A rule prompts when the remaining supply is **more than** its
``tolerance_days`` (tolerance 0: any covered day counts; 3: a repeat prescription may be
collected up to 3 days early).

**Window.** A test done on day ``d0`` is repeated by an order on day ``D`` when
``0 ≤ D − d0 < window_days``: a 3-day window covers the day of the test and the two days after
it (done on the 20th: prompts on the 20th, 21st, 22nd; not on the 23rd). A window of 1 day is
the same day only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from healthnet.core.localtime import local_date
from healthnet.modules.alerts.models import (
    KIND_DRUG_CLASS,
    KIND_DRUG_INGREDIENT,
    KIND_EXAM_REPEAT,
    KIND_LAB_REPEAT,
    MATCH_ATC_CLASS,
    MATCH_INGREDIENT,
)

# 《长期处方管理规范（试行）》(国卫办医发〔2021〕17号): a prescription covers at most 12 weeks, so
# an order older than 90 days has no supply left. The look-back of medications is bounded by it.
DRUG_LOOKBACK_DAYS = 90
# ATC level 4 (chemical subgroup, e.g. C10AA) names a drug's class in the statistics.
ATC_CLASS_LENGTH = 5


# ---------------------------------------------------------------- arithmetic


def supply_last_day(ordered_on: date, days_supply: int | None) -> date:
    """The last day an order's supply covers (its own day when it names no supply)."""
    days = days_supply if days_supply is not None and days_supply > 0 else 1
    return ordered_on + timedelta(days=days - 1)


def remaining_supply(*, ordered_on: date, last_day: date, new_start: date) -> int:
    """Days of the earlier supply left from the new line's start (0 when it has run out)."""
    return max(0, (last_day - max(new_start, ordered_on)).days + 1)


def within_window(*, done_on: date, order_on: date, window_days: int) -> bool:
    return 0 <= (order_on - done_on).days < window_days


def window_start(order_on: date, window_days: int) -> date:
    """The first day whose tests are inside a window of ``window_days`` ending on ``order_on``."""
    return order_on - timedelta(days=window_days - 1)


def drug_lookback_start(new_starts: Iterable[date]) -> date:
    return min(new_starts) - timedelta(days=DRUG_LOOKBACK_DAYS)


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class DrugRuleSpec:
    code: str
    name: str
    match: str  # ingredient | atc_class
    atc_prefix: str | None
    tolerance_days: int
    severity: str
    exempt_encounter_classes: frozenset[str]
    exempt_codes: tuple[str, ...]


@dataclass(frozen=True)
class ItemRuleSpec:
    code: str
    name: str
    kind: str  # lab | exam
    item_code: str
    item_name: str
    window_days: int
    severity: str
    exempt_encounter_classes: frozenset[str]
    abnormal_exempts: bool


@dataclass(frozen=True)
class NewDrug:
    index: int
    drug_code: str
    generic_name: str
    ingredient_code: str | None
    atc_code: str | None
    start_date: date
    days_supply: int | None = None


@dataclass(frozen=True)
class NewItem:
    index: int
    kind: str
    item_code: str
    item_name: str


class MedicationLike(Protocol):
    """What the matching needs of records' ``MedicationFact``."""

    @property
    def order_id(self) -> str: ...
    @property
    def institution_id(self) -> str: ...
    @property
    def institution_name(self) -> str: ...
    @property
    def ordered_at(self) -> datetime: ...
    @property
    def drug_code(self) -> str: ...
    @property
    def generic_name(self) -> str: ...
    @property
    def ingredient_code(self) -> str | None: ...
    @property
    def atc_code(self) -> str | None: ...
    @property
    def days_supply(self) -> int | None: ...
    @property
    def sensitivity(self) -> str | None: ...


class TestLike(Protocol):
    """What the matching needs of records' ``TestFact``."""

    @property
    def kind(self) -> str: ...
    @property
    def record_id(self) -> str: ...
    @property
    def institution_id(self) -> str: ...
    @property
    def institution_name(self) -> str: ...
    @property
    def performed_at(self) -> datetime: ...
    @property
    def item_code(self) -> str: ...
    @property
    def item_name(self) -> str: ...
    @property
    def result(self) -> str | None: ...
    @property
    def abnormal(self) -> bool | None: ...
    @property
    def sensitivity(self) -> str | None: ...


@dataclass(frozen=True)
class Finding:
    """One prompt before it is stored: which rule, which new line, which earlier record."""

    kind: str
    rule_code: str
    rule_name: str
    severity: str
    line_kind: str  # drug | lab | exam
    line_index: int
    line_code: str
    line_name: str
    drug_class: str | None
    earlier_record_id: str | None
    earlier_institution_id: str | None
    earlier_institution_name: str
    earlier_date: date
    earlier_name: str
    earlier_result: str | None = None
    remaining_days: int | None = None
    window_days: int | None = None
    class_prefix: str | None = None
    # The earlier record carries a sensitivity label (mental health, HIV, reproductive ...) and
    # comes from another institution: the prompt says that there is a duplicate, not where or
    # what (SECURITY.md "security labels").
    protected: bool = False
    # A duplicate of another line of the same new order (``other_line_index``), not of a record.
    within_order: bool = False
    other_line_index: int | None = None


def protected(fact: MedicationLike | TestLike, own_institution_id: str | None) -> bool:
    """Whether a fact from the record is shown only as "a protected record": it carries a
    sensitivity label and comes from another institution."""
    return bool(fact.sensitivity) and fact.institution_id != own_institution_id


# ---------------------------------------------------------------- drugs


def ingredient_key(
    ingredient_code: str | None, atc_code: str | None, drug_code: str
) -> tuple[str, str]:
    """What "same ingredient" compares: the ingredient code, else the ATC level-5 code (a
    chemical substance), else the drug code itself."""
    if ingredient_code:
        return ("ingredient", ingredient_code)
    if atc_code and len(atc_code) == 7:
        return ("atc", atc_code)
    return ("drug", drug_code)


def _same_ingredient(new: NewDrug, old: MedicationLike | NewDrug) -> bool:
    if new.ingredient_code and old.ingredient_code:
        return new.ingredient_code == old.ingredient_code
    if new.atc_code and old.atc_code and len(new.atc_code) == 7 and len(old.atc_code) == 7:
        return new.atc_code == old.atc_code
    return new.drug_code == old.drug_code


def _exempt(codes: Sequence[str], drug_code: str, ingredient: str | None, atc: str | None) -> bool:
    for code in codes:
        if code in (drug_code, ingredient) or (atc is not None and atc.startswith(code)):
            return True
    return False


def _most_specific(
    rules: Iterable[DrugRuleSpec], match: str, *atc_codes: str | None
) -> DrugRuleSpec | None:
    """The rule of ``match`` whose ATC prefix covers every code given, longest prefix first;
    an ingredient rule without a prefix covers every drug."""
    best: DrugRuleSpec | None = None
    for rule in rules:
        if rule.match != match:
            continue
        if rule.atc_prefix is not None and not all(
            code is not None and code.startswith(rule.atc_prefix) for code in atc_codes
        ):
            continue
        if best is None or len(rule.atc_prefix or "") > len(best.atc_prefix or ""):
            best = rule
    return best


def _drug_rule(
    rules: Sequence[DrugRuleSpec],
    new: NewDrug,
    old: MedicationLike | NewDrug,
    encounter_class: str,
) -> tuple[str, DrugRuleSpec] | None:
    """The kind of duplicate and the rule that makes ``new`` a duplicate of ``old`` (an earlier
    order or another line of the same order), or None: no rule, or exempt by encounter or code."""
    if _same_ingredient(new, old):
        kind = KIND_DRUG_INGREDIENT
        rule = _most_specific(rules, MATCH_INGREDIENT, new.atc_code)
    else:
        if not new.atc_code or not old.atc_code:
            return None
        kind = KIND_DRUG_CLASS
        rule = _most_specific(rules, MATCH_ATC_CLASS, new.atc_code, old.atc_code)
    if rule is None or encounter_class in rule.exempt_encounter_classes:
        return None
    if _exempt(rule.exempt_codes, new.drug_code, new.ingredient_code, new.atc_code) or _exempt(
        rule.exempt_codes, old.drug_code, old.ingredient_code, old.atc_code
    ):
        return None
    return kind, rule


def match_drugs(
    *,
    drugs: Sequence[NewDrug],
    history: Sequence[MedicationLike],
    rules: Sequence[DrugRuleSpec],
    encounter_class: str,
    own_institution_id: str | None = None,
) -> list[Finding]:
    """Prompts for the new drug lines. Per new line, an earlier order of the same ingredient
    from the same institution is reported once (the one with the most supply left)."""
    found: dict[tuple[int, str, str | None, tuple[str, str]], Finding] = {}
    for new in drugs:
        for old in history:
            applies = _drug_rule(rules, new, old, encounter_class)
            if applies is None:
                continue
            kind, rule = applies
            ordered_on = local_date(old.ordered_at)
            last = supply_last_day(ordered_on, old.days_supply)
            left = remaining_supply(ordered_on=ordered_on, last_day=last, new_start=new.start_date)
            if left <= rule.tolerance_days:
                continue
            key = (
                new.index,
                kind,
                old.institution_id,
                ingredient_key(old.ingredient_code, old.atc_code, old.drug_code),
            )
            finding = Finding(
                kind=kind,
                rule_code=rule.code,
                rule_name=rule.name,
                severity=rule.severity,
                line_kind="drug",
                line_index=new.index,
                line_code=new.drug_code,
                line_name=new.generic_name,
                drug_class=new.atc_code[:ATC_CLASS_LENGTH] if new.atc_code else None,
                earlier_record_id=old.order_id,
                earlier_institution_id=old.institution_id,
                earlier_institution_name=old.institution_name,
                earlier_date=ordered_on,
                earlier_name=old.generic_name,
                remaining_days=left,
                class_prefix=rule.atc_prefix if kind == KIND_DRUG_CLASS else None,
                protected=protected(old, own_institution_id),
            )
            kept = found.get(key)
            if kept is None or (kept.remaining_days or 0) < left:
                found[key] = finding
    order = {KIND_DRUG_INGREDIENT: 0, KIND_DRUG_CLASS: 1}
    return sorted(
        found.values(),
        key=lambda f: (f.line_index, order[f.kind], -(f.remaining_days or 0), f.earlier_date),
    )


def match_drugs_within_order(
    *,
    drugs: Sequence[NewDrug],
    rules: Sequence[DrugRuleSpec],
    encounter_class: str,
    institution_id: str,
    institution_name: str,
) -> list[Finding]:
    """Prompts for two lines of the same new order that duplicate each other, by the same rules,
    exemptions and tolerance as an earlier order: the line that starts first (the earlier line
    on the same day) plays the earlier order, placed on its start date. Each pair gives one
    prompt, on the later line of the request; its "earlier record" is the other line."""
    findings: list[Finding] = []
    for i, new in enumerate(drugs):
        for other in drugs[:i]:
            applies = _drug_rule(rules, new, other, encounter_class)
            if applies is None:
                continue
            kind, rule = applies
            first, second = (other, new) if other.start_date <= new.start_date else (new, other)
            last = supply_last_day(first.start_date, first.days_supply)
            left = remaining_supply(
                ordered_on=first.start_date, last_day=last, new_start=second.start_date
            )
            if left <= rule.tolerance_days:
                continue
            findings.append(
                Finding(
                    kind=kind,
                    rule_code=rule.code,
                    rule_name=rule.name,
                    severity=rule.severity,
                    line_kind="drug",
                    line_index=new.index,
                    line_code=new.drug_code,
                    line_name=new.generic_name,
                    drug_class=new.atc_code[:ATC_CLASS_LENGTH] if new.atc_code else None,
                    earlier_record_id=None,
                    earlier_institution_id=institution_id,
                    earlier_institution_name=institution_name,
                    earlier_date=other.start_date,
                    earlier_name=other.generic_name,
                    remaining_days=left,
                    class_prefix=rule.atc_prefix if kind == KIND_DRUG_CLASS else None,
                    within_order=True,
                    other_line_index=other.index,
                )
            )
    return findings


# ---------------------------------------------------------------- labs and exams


def rules_for_items(
    items: Sequence[NewItem], rules: Sequence[ItemRuleSpec], encounter_class: str
) -> dict[int, ItemRuleSpec]:
    """The rule that applies to each new item line (by line index), exempt ones left out."""
    by_item = {(r.kind, r.item_code): r for r in rules}
    out: dict[int, ItemRuleSpec] = {}
    for item in items:
        rule = by_item.get((item.kind, item.item_code))
        if rule is not None and encounter_class not in rule.exempt_encounter_classes:
            out[item.index] = rule
    return out


def match_items(
    *,
    items: Sequence[NewItem],
    history: Sequence[TestLike],
    rules: Sequence[ItemRuleSpec],
    encounter_class: str,
    order_on: date,
    own_institution_id: str | None = None,
) -> list[Finding]:
    """Prompts for the new lab and exam lines: per line, the most recent earlier test of the
    same item inside the rule's window. When that result was abnormal and the rule says so,
    the repeat follows it up and is no duplicate."""
    applicable = rules_for_items(items, rules, encounter_class)
    findings: list[Finding] = []
    for item in items:
        rule = applicable.get(item.index)
        if rule is None:
            continue
        latest: TestLike | None = None
        for fact in history:
            if fact.kind != rule.kind or fact.item_code != rule.item_code:
                continue
            done_on = local_date(fact.performed_at)
            if not within_window(done_on=done_on, order_on=order_on, window_days=rule.window_days):
                continue
            if latest is None or fact.performed_at > latest.performed_at:
                latest = fact
        if latest is None or (rule.abnormal_exempts and latest.abnormal is True):
            continue
        findings.append(
            Finding(
                kind=KIND_LAB_REPEAT if rule.kind == "lab" else KIND_EXAM_REPEAT,
                rule_code=rule.code,
                rule_name=rule.name,
                severity=rule.severity,
                line_kind=rule.kind,
                line_index=item.index,
                line_code=item.item_code,
                line_name=item.item_name,
                drug_class=None,
                earlier_record_id=latest.record_id,
                earlier_institution_id=latest.institution_id,
                earlier_institution_name=latest.institution_name,
                earlier_date=local_date(latest.performed_at),
                earlier_name=latest.item_name,
                earlier_result=latest.result,
                window_days=rule.window_days,
                protected=protected(latest, own_institution_id),
            )
        )
    return findings


def match_items_within_order(
    *,
    items: Sequence[NewItem],
    rules: Sequence[ItemRuleSpec],
    encounter_class: str,
    order_on: date,
    institution_id: str,
    institution_name: str,
) -> list[Finding]:
    """Prompts for a lab or exam item ordered twice in the same new order (an item with an
    active, not exempt rule): one per pair, on the later line, naming the other line."""
    applicable = rules_for_items(items, rules, encounter_class)
    findings: list[Finding] = []
    for i, item in enumerate(items):
        rule = applicable.get(item.index)
        if rule is None:
            continue
        for other in items[:i]:
            if (other.kind, other.item_code) != (item.kind, item.item_code):
                continue
            findings.append(
                Finding(
                    kind=KIND_LAB_REPEAT if rule.kind == "lab" else KIND_EXAM_REPEAT,
                    rule_code=rule.code,
                    rule_name=rule.name,
                    severity=rule.severity,
                    line_kind=rule.kind,
                    line_index=item.index,
                    line_code=item.item_code,
                    line_name=item.item_name,
                    drug_class=None,
                    earlier_record_id=None,
                    earlier_institution_id=institution_id,
                    earlier_institution_name=institution_name,
                    earlier_date=order_on,
                    earlier_name=other.item_name,
                    window_days=rule.window_days,
                    within_order=True,
                    other_line_index=other.index,
                )
            )
    return findings
