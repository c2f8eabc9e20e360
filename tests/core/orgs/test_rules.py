"""Unified social credit code (GB 32100-2015) and the Shanghai coordinate box."""

from __future__ import annotations

import pytest

from healthnet.core.orgs.rules import (
    CREDIT_CODE_CHARSET,
    credit_code_check_char,
    credit_code_problem,
    latitude_ok,
    longitude_ok,
)

# GB 32100-2015 prints this code as its worked example.
STANDARD_EXAMPLE = "91350100M000100Y43"
# Shenzhen Tencent Computer Systems Co., Ltd., as printed on its business licence.
PUBLISHED_COMPANY_CODE = "9144030071526726XG"


@pytest.mark.parametrize("code", [STANDARD_EXAMPLE, PUBLISHED_COMPANY_CODE])
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_problem(code) is None


def test_check_character_of_the_standards_example() -> None:
    assert credit_code_check_char(STANDARD_EXAMPLE[:17]) == "3"


def test_check_character_31_is_written_as_zero() -> None:
    # Search a body whose weighted sum is ≡ 0 (mod 31): its check character must be "0", not
    # an out-of-range 31st character.
    body = next(
        f"1231000042502{n:04d}"
        for n in range(10_000)
        if credit_code_check_char(f"1231000042502{n:04d}") == "0"
    )
    assert credit_code_problem(body + "0") is None


@pytest.mark.parametrize("position", range(18))
def test_any_single_changed_character_is_caught(position: int) -> None:
    for replacement in CREDIT_CODE_CHARSET:
        if replacement == STANDARD_EXAMPLE[position]:
            continue
        if position in range(2, 8) and not replacement.isdigit():
            continue  # a different rule (division code must be digits) catches these
        changed = STANDARD_EXAMPLE[:position] + replacement + STANDARD_EXAMPLE[position + 1 :]
        assert credit_code_problem(changed) == "orgs.credit_code_checksum", changed


def test_swapped_neighbours_are_caught() -> None:
    code = PUBLISHED_COMPANY_CODE
    for i in range(17):
        if code[i] == code[i + 1]:
            continue
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        assert credit_code_problem(swapped) is not None, swapped


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91350100M000100Y4", "orgs.credit_code_length"),
        ("91350100M000100Y433", "orgs.credit_code_length"),
        ("91350100M000100I43", "orgs.credit_code_chars"),  # I is not in the code's alphabet
        ("91350100M000100O43", "orgs.credit_code_chars"),
        ("91350100m000100Y43", "orgs.credit_code_chars"),  # callers normalise case first
        ("913501A0M000100Y43", "orgs.credit_code_region"),
        ("91350100M000100Y44", "orgs.credit_code_checksum"),
    ],
)
def test_malformed_codes_name_the_problem(code: str, problem: str) -> None:
    assert credit_code_problem(code) == problem


def test_shanghai_box() -> None:
    assert longitude_ok(121.47) and latitude_ok(31.23)  # People's Square
    assert latitude_ok(31.62)  # Chongming
    assert not longitude_ok(31.23)  # latitude typed into longitude
    assert not latitude_ok(39.9)  # Beijing
