"""GB 11643-1999 citizen ID numbers and the other identifier, phone and name rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from healthnet.core.patients.identifiers import (
    IdentifierProblem,
    IdentifierType,
    mask,
    normalise_identifier,
    normalise_name,
    normalise_phone,
    parse_resident_id,
)

from .conftest import id_number

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        # The two examples printed in GB 11643-1999 (Appendix, 编码示例).
        ("11010519491231002X", date(1949, 12, 31), "2"),
        ("440524188001010014", date(1880, 1, 1), "1"),
    ],
)
def test_published_examples_are_valid(number: str, birth: date, sex: str) -> None:
    info = parse_resident_id(number, today=TODAY)
    assert (info.number, info.birth_date, info.sex_code) == (number, birth, sex)
    assert info.region_code == number[:6]


@pytest.mark.parametrize("seq", [1, 2, 37, 118, 555, 998, 999])
@pytest.mark.parametrize("birth", [date(1950, 1, 1), date(2000, 2, 29), date(2024, 12, 31)])
def test_generated_numbers_are_valid_and_give_birth_date_and_sex(birth: date, seq: int) -> None:
    number = id_number(birth, seq)
    info = parse_resident_id(number, today=TODAY)
    assert info.birth_date == birth
    assert info.sex_code == ("1" if seq % 2 else "2")


def test_check_character_x_lower_case_spaces_and_full_width_are_normalised() -> None:
    assert parse_resident_id("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert parse_resident_id(" 110105 19491231 002X ", today=TODAY).number == "11010519491231002X"
    assert (
        parse_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number
        == "11010519491231002X"
    )


def test_every_wrong_check_character_is_refused() -> None:
    number = "11010519491231002X"
    for wrong in "0123456789":
        with pytest.raises(IdentifierProblem) as exc:
            parse_resident_id(number[:17] + wrong, today=TODAY)
        assert exc.value.code == "patients.id_number_checksum"


def test_a_single_typo_in_the_first_17_digits_is_caught() -> None:
    number = id_number(date(1985, 6, 15), 123)
    for pos in range(6, 17):  # keep the region and the date valid, change one digit
        digit = str((int(number[pos]) + 1) % 10)
        typo = number[:pos] + digit + number[pos + 1 :]
        try:
            parse_resident_id(typo, today=TODAY)
        except IdentifierProblem:
            continue
        pytest.fail(f"typo at position {pos + 1} accepted: {typo}")


def _with_date(yyyymmdd: str) -> str:
    first17 = "310104" + yyyymmdd + "123"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


@pytest.mark.parametrize("yyyymmdd", ["19990230", "20010229", "19991301", "19990000", "08991231"])
def test_impossible_birth_date_is_refused(yyyymmdd: str) -> None:
    with pytest.raises(IdentifierProblem) as exc:
        parse_resident_id(_with_date(yyyymmdd), today=TODAY)
    assert exc.value.code == "patients.id_number_birth_date"


def test_birth_date_in_the_future_is_refused_but_today_is_fine() -> None:
    assert parse_resident_id(_with_date(f"{TODAY:%Y%m%d}"), today=TODAY).birth_date == TODAY
    tomorrow = TODAY + timedelta(days=1)
    with pytest.raises(IdentifierProblem) as exc:
        parse_resident_id(_with_date(f"{tomorrow:%Y%m%d}"), today=TODAY)
    assert exc.value.code == "patients.id_number_birth_future"


@pytest.mark.parametrize(
    "number",
    [
        "3101041985061512",
        "31010419850615123",
        "3101041985061512345",
        "31010419850615123Y",
        "X10104198506151234",
        "310104-abc",
    ],
)
def test_wrong_length_or_characters_are_refused(number: str) -> None:
    with pytest.raises(IdentifierProblem) as exc:
        parse_resident_id(number, today=TODAY)
    assert exc.value.code == "patients.id_number_format"


@pytest.mark.parametrize("region", ["000000", "990101", "310000", "300104", "810000"])
def test_region_code_must_be_a_county_level_division(region: str) -> None:
    with pytest.raises(IdentifierProblem) as exc:
        parse_resident_id(id_number(date(1990, 1, 1), 11, region=region), today=TODAY)
    assert exc.value.code == "patients.id_number_region"


def test_cities_without_counties_keep_their_00_county_part() -> None:
    # 东莞市 441900 has no county-level divisions: its residents' numbers start with 441900.
    number = id_number(date(1990, 1, 1), 11, region="441900")
    assert parse_resident_id(number, today=TODAY).region_code == "441900"


def test_hong_kong_macao_taiwan_residence_permit_uses_the_same_algorithm() -> None:
    number = id_number(date(1990, 1, 1), 12, region="810000")
    assert normalise_identifier(IdentifierType.HMT_RESIDENCE_PERMIT, number, today=TODAY) == number
    with pytest.raises(IdentifierProblem) as exc:
        normalise_identifier(
            IdentifierType.HMT_RESIDENCE_PERMIT, id_number(date(1990, 1, 1), 12), today=TODAY
        )
    assert exc.value.code == "patients.hmt_permit_region"


@pytest.mark.parametrize(
    ("id_type", "raw", "normal"),
    [
        (IdentifierType.PASSPORT, "e 1234 5678", "E12345678"),
        (IdentifierType.HK_MACAU_PERMIT, "h12345678", "H12345678"),
        (IdentifierType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdentifierType.FOREIGNER_PERMANENT_RESIDENCE, "usa310012345678", "USA310012345678"),
        (IdentifierType.SOCIAL_SECURITY_CARD, "sh-00112233", "SH00112233"),
        (IdentifierType.MEDICAL_INSURANCE_CARD, "0123456789", "0123456789"),
        (IdentifierType.SHANGHAI_SELF_PAY_CARD, "ZF31000012345", "ZF31000012345"),
        (IdentifierType.HOSPITAL_CARD, "a001", "A001"),
    ],
)
def test_other_documents_are_normalised(id_type: IdentifierType, raw: str, normal: str) -> None:
    assert normalise_identifier(id_type, raw, today=TODAY) == normal


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [
        (IdentifierType.HK_MACAU_PERMIT, "C12345678"),
        (IdentifierType.TAIWAN_PERMIT, "1234567"),
        (IdentifierType.PASSPORT, "E1"),
        (IdentifierType.MEDICAL_INSURANCE_CARD, "卡号123456"),
        (IdentifierType.HOSPITAL_CARD, "  "),
    ],
)
def test_malformed_documents_are_refused(id_type: IdentifierType, raw: str) -> None:
    with pytest.raises(IdentifierProblem):
        normalise_identifier(id_type, raw, today=TODAY)


def test_mask_keeps_first_three_and_last_four() -> None:
    assert mask("310104198506151234") == "310***********1234"
    assert mask("E12345678") == "E******78"
    assert mask("A001") == "****"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("021-64041990", "02164041990"),
        ("+86 21 6404 1990", "02164041990"),
        ("(0571) 8765 4321", "057187654321"),
        ("010-62345678", "01062345678"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, normal: str) -> None:
    assert normalise_phone(raw) == normal


@pytest.mark.parametrize(
    "raw", ["12812345678", "1381234567", "64041990", "021-0404199", "电话13812345678"]
)
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(IdentifierProblem) as exc:
        normalise_phone(raw)
    assert exc.value.code == "patients.phone_invalid"


def test_names_normalise_dots_spaces_and_case() -> None:
    assert normalise_name("阿依古丽•买买提") == normalise_name("阿依古丽 · 买买提")
    assert normalise_name(" John  Smith ") == normalise_name("john smith")
    with pytest.raises(IdentifierProblem):
        normalise_name("123")
