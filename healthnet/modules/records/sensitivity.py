"""Sensitive categories (敏感类别) of clinical records, set once at ingest.

Data, not code: ICD-10 ranges for diagnoses, ATC prefixes for medicines, item-code prefixes for
lab tests and words in department names. A record gets the first category that matches, or
None. Residents may hide a category from other institutions (retrieval applies that); the
categories are ``mental`` (精神心理), ``hiv`` (艾滋病/HIV) and ``reproductive`` (生殖健康).

Sources: ICD-10 chapter V blocks F20–F29 (schizophrenia and delusional disorders), F30–F39 (mood
disorders); B20–B24 and Z21 (HIV disease, asymptomatic HIV infection); O00–O08 (pregnancy with
abortive outcome). ATC N05A (antipsychotics), N06A (antidepressants), J05AE/J05AF/J05AG/J05AR
(HIV antivirals).
"""

from __future__ import annotations

MENTAL = "mental"
HIV = "hiv"
REPRODUCTIVE = "reproductive"
CATEGORIES = (MENTAL, HIV, REPRODUCTIVE)

# (category, first ICD-10 category, last ICD-10 category), compared on the 3-character category.
ICD10_RANGES: tuple[tuple[str, str, str], ...] = (
    (MENTAL, "F20", "F29"),
    (MENTAL, "F30", "F39"),
    (HIV, "B20", "B24"),
    (HIV, "Z21", "Z21"),
    (REPRODUCTIVE, "O00", "O08"),
)
ATC_PREFIXES: tuple[tuple[str, str], ...] = (
    (MENTAL, "N05A"),
    (MENTAL, "N06A"),
    (HIV, "J05AE"),
    (HIV, "J05AF"),
    (HIV, "J05AG"),
    (HIV, "J05AR"),
)
LAB_ITEM_PREFIXES: tuple[tuple[str, str], ...] = (
    (HIV, "HIV"),
    (HIV, "CD4"),
)
DEPARTMENT_WORDS: tuple[tuple[str, str], ...] = (
    (MENTAL, "精神"),
    (MENTAL, "心理"),
    (REPRODUCTIVE, "计划生育"),
    (REPRODUCTIVE, "生殖"),
)


def for_icd10(code: str | None) -> str | None:
    if not code:
        return None
    head = code.strip().upper()[:3]
    for category, first, last in ICD10_RANGES:
        if first <= head <= last:
            return category
    return None


def for_atc(code: str | None) -> str | None:
    if not code:
        return None
    upper = code.strip().upper()
    for category, prefix in ATC_PREFIXES:
        if upper.startswith(prefix):
            return category
    return None


def for_lab_item(code: str | None) -> str | None:
    if not code:
        return None
    upper = code.strip().upper()
    for category, prefix in LAB_ITEM_PREFIXES:
        if upper.startswith(prefix):
            return category
    return None


def for_department(name: str | None) -> str | None:
    if not name:
        return None
    for category, word in DEPARTMENT_WORDS:
        if word in name:
            return category
    return None
