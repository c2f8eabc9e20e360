"""The demo generators: deterministic, valid by the national standards, spread over Shanghai."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from itertools import islice

import pytest

from healthnet.core.orgs.enums import InstitutionKind
from healthnet.core.orgs.metadata_files import department_categories, read_districts
from healthnet.core.orgs.rules import credit_code_problem, latitude_ok, longitude_ok
from healthnet.core.patients.identifiers import (
    IdentifierType,
    normalise_identifier,
    normalise_phone,
    parse_resident_id,
)
from healthnet.demo.data import DISTRICTS
from healthnet.demo.generators import (
    REFERENCE_DATE,
    SIZES,
    district_admins,
    generate_institutions,
    generate_staff,
    iter_residents,
    org_code_check_char,
)
from tests.reference import SHANGHAI_DISTRICTS

N = 3000


def gb11643_valid(number: str) -> bool:
    """Independent check (GB 11643-1999 §6.2, ISO 7064 MOD 11-2 written as Σ a_i·2^(i-1))."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(number[:17]))
    expected = (12 - total % 11) % 11
    check = "X" if expected == 10 else str(expected)
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17] == check


@pytest.fixture(scope="module")
def residents() -> list:  # type: ignore[type-arg]
    return list(iter_residents(N, seed=7))


def test_same_seed_same_data_and_other_seed_other_data() -> None:
    assert list(iter_residents(200, seed=1)) == list(iter_residents(200, seed=1))
    assert generate_institutions(60, seed=1) == generate_institutions(60, seed=1)
    assert list(iter_residents(50, seed=1)) != list(iter_residents(50, seed=2))
    assert [i.credit_code for i in generate_institutions(60, seed=1)] != [
        i.credit_code for i in generate_institutions(60, seed=2)
    ]


def test_a_smaller_size_is_the_start_of_a_larger_one() -> None:
    assert list(iter_residents(100, seed=3)) == list(islice(iter_residents(500, seed=3), 100))


def test_sizes_match_the_issue() -> None:
    assert SIZES["small"].residents == 2_000 and SIZES["small"].institutions == 60
    assert SIZES["medium"].institutions == 600 and SIZES["medium"].residents == 50_000
    assert SIZES["large"].residents == 1_000_000
    assert len(generate_institutions(600)) == 600


def test_the_sixteen_districts_are_shanghais() -> None:
    assert {d.code: d.name for d in DISTRICTS} == SHANGHAI_DISTRICTS
    # ... and the same as the organisations slice's own list.
    assert {str(d["code"]): d["name"] for d in read_districts()} == SHANGHAI_DISTRICTS


@pytest.mark.parametrize("count", [SIZES["tiny"].institutions, 60, 600])
def test_institutions_are_valid_and_cover_every_district_and_kind(count: int) -> None:
    insts = generate_institutions(count)
    assert len(insts) == count
    assert {i.district_code for i in insts} == set(SHANGHAI_DISTRICTS)
    kinds = {i.kind for i in insts}
    assert kinds >= set(InstitutionKind) - {InstitutionKind.PRIMARY_HOSPITAL, InstitutionKind.OTHER}
    assert len({i.code for i in insts}) == count
    assert len({i.name for i in insts}) == count
    categories = department_categories()
    for inst in insts:
        district = SHANGHAI_DISTRICTS[inst.district_code]
        assert credit_code_problem(inst.credit_code) is None, inst.credit_code
        # The embedded organisation code (positions 9-17) is itself valid (GB 11714).
        assert inst.credit_code[8:17] == inst.code
        assert org_code_check_char(inst.code[:8]) == inst.code[8]
        assert inst.credit_code[2:8] == inst.district_code
        assert inst.address.startswith(f"上海市{district}") and inst.address.endswith("号")
        assert latitude_ok(inst.latitude) and longitude_ok(inst.longitude)
        if inst.kind in (InstitutionKind.TERTIARY_HOSPITAL, InstitutionKind.SECONDARY_HOSPITAL):
            assert inst.beds and inst.beds >= 100
            assert {"急诊医学科", "医学检验科"} <= {d.name for d in inst.departments} or (
                "中医科" in {d.name for d in inst.departments}
            )
        if inst.kind in (
            InstitutionKind.CDC,
            InstitutionKind.VACCINATION_CLINIC,
            InstitutionKind.LABORATORY,
        ):
            assert inst.beds is None
        assert len({d.code for d in inst.departments}) == len(inst.departments)
        assert all(d.category in categories for d in inst.departments)


def test_institution_names_follow_shanghai_conventions() -> None:
    names = [i.name for i in generate_institutions(600)]
    assert "上海市徐汇区枫林路街道社区卫生服务中心" in names
    assert "上海市徐汇区疾病预防控制中心" in names
    for suffix in (
        "中心医院",
        "妇幼保健所",
        "精神卫生中心",
        "牙病防治所",
        "眼病防治所",
        "预防接种门诊",
        "医学检验所有限公司",
    ):
        assert any(n.endswith(suffix) for n in names), suffix
    assert any(re.fullmatch(r"上海市第.+人民医院", n) for n in names)


def test_every_resident_id_number_is_valid_and_matches_the_person(residents: list) -> None:  # type: ignore[type-arg]
    with_id = [r for r in residents if r.id_number]
    assert len(with_id) > 0.95 * N
    assert len({r.id_number for r in with_id}) == len(with_id)
    for r in with_id:
        assert gb11643_valid(r.id_number), r.id_number
        # ... and the patient index's own validator accepts it and reads the same person out.
        info = parse_resident_id(r.id_number, today=REFERENCE_DATE)
        assert (info.birth_date, info.sex_code) == (r.birth_date, r.sex)
        assert r.id_number[6:14] == r.birth_date.strftime("%Y%m%d")
        # GB 11643-1999 §5.3: the 17th digit is odd for men, even for women.
        assert int(r.id_number[16]) % 2 == (1 if r.sex == "1" else 0)
        assert r.birth_date <= REFERENCE_DATE


def test_residents_live_in_their_district_and_most_were_born_there(residents: list) -> None:  # type: ignore[type-arg]
    born_here = sum(1 for r in residents if r.id_number and r.id_number[:6] == r.district_code)
    born_elsewhere = sum(1 for r in residents if r.id_number and r.id_number[:2] != "31")
    assert born_here > 0.6 * N and born_elsewhere > 0.2 * N
    assert {r.district_code for r in residents} == set(SHANGHAI_DISTRICTS)
    for r in residents:
        assert r.address.startswith("上海市" + SHANGHAI_DISTRICTS[r.district_code])
    # 浦东 is the most populous district by far.
    top = Counter(r.district_code for r in residents).most_common(1)[0][0]
    assert top == "310115"


def test_names_phones_and_ages_look_real(residents: list) -> None:  # type: ignore[type-arg]
    surnames = Counter(r.name[0] for r in residents)
    assert {s for s, _ in surnames.most_common(5)} <= {"王", "李", "张", "刘", "陈", "杨"}
    assert all(2 <= len(r.name) <= 4 for r in residents)
    phones = [r.phone for r in residents if r.phone]
    assert len(phones) == len(set(phones)) and len(phones) > 0.8 * N
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) and normalise_phone(p) == p for p in phones)
    ages = [(REFERENCE_DATE - r.birth_date).days / 365.25 for r in residents]
    old = sum(a >= 60 for a in ages) / N
    children = sum(a < 15 for a in ages) / N
    assert 0.18 < old < 0.30 and 0.06 < children < 0.14  # Shanghai 2020: 23.4 % and 9.8 %
    assert sum(1 for r in residents if r.social_security_card) > 0.3 * N
    assert sum(1 for r in residents if r.medical_insurance_card) > 0.3 * N
    assert sum(1 for r in residents if r.self_pay_card) > 0.05 * N
    for r in residents[:500]:  # card numbers pass the patient index's format rules
        for kind, value in (
            (IdentifierType.SOCIAL_SECURITY_CARD, r.social_security_card),
            (IdentifierType.MEDICAL_INSURANCE_CARD, r.medical_insurance_card),
            (IdentifierType.SHANGHAI_SELF_PAY_CARD, r.self_pay_card),
        ):
            if value:
                assert normalise_identifier(kind, value, today=REFERENCE_DATE) == value


def test_some_residents_are_near_duplicates_of_an_earlier_one(residents: list) -> None:  # type: ignore[type-arg]
    dups = [r for r in residents if r.duplicate_of is not None]
    assert 0.003 * N < len(dups) < 0.03 * N
    for dup in dups:
        original = residents[dup.duplicate_of]
        assert original.duplicate_of is None and original.seq < dup.seq
        assert (dup.name, dup.birth_date, dup.sex) == (
            original.name,
            original.birth_date,
            original.sex,
        )
        assert dup.phone != original.phone
        assert dup.id_number is None and dup.medical_insurance_card


def test_staff_and_district_admins() -> None:
    insts = generate_institutions(60)
    staff = generate_staff(insts, 3)
    assert len(staff) == 180 and len({s.username for s in staff}) == 180
    assert Counter(s.role for s in staff) == {"doctor": 60, "nurse": 60, "admin": 60}
    assert generate_staff(insts, 1) == [s for s in staff if s.role == "doctor"]
    admins = district_admins(insts)
    assert len(admins) == 16 and len({a.username for a in admins}) == 16
    assert all(a.institution_code for a in admins)  # each sits at its district's CDC
    by_code = {i.code: i for i in insts}
    assert all(
        by_code[a.institution_code].district_code == a.district_code  # type: ignore[index]
        for a in admins
    )
