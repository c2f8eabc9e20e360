"""The master patient index through its service functions, on the real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session

from healthnet.core.deps import Actor
from healthnet.core.errors import Conflict, RuleViolation, ValidationFailed
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service
from healthnet.core.patients.schemas import (
    CandidateQuery,
    IdentifierIn,
    PersonCreate,
    PersonSearch,
    PersonUpdate,
)
from healthnet.core.rbac.actor import SYSTEM_ACTOR

from .conftest import id_number

Register = Callable[..., service.Registration]

ID_A = id_number(date(1985, 6, 15), 123)  # male
ID_B = id_number(date(1985, 6, 15), 246)  # female


def ident(id_type: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"type": id_type, "value": value, **extra}


def field_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> str:
    return exc.value.errors[0].field


# ---------------------------------------------------------------- registering and finding


def test_register_with_id_number_derives_birth_date_and_sex(
    db: Session, register: Register
) -> None:
    reg = register(name="李四", identifiers=[ident("resident_id_card", ID_A)])
    assert reg.created
    person = reg.person
    assert (person.birth_date, person.sex_code) == (date(1985, 6, 15), "1")
    assert person.master_id.startswith("HN") and len(person.master_id) == 14
    # Lower-case x, spaces: the same number after normalisation.
    spaced = " ".join([ID_A[:6], ID_A[6:14], ID_A[14:]])
    assert (
        service.find_by_identifier(session=db, id_type="resident_id_card", value=spaced) is person
    )


def test_register_and_find_by_each_identifier_type(
    db: Session, register: Register, institution: Institution
) -> None:
    identifiers = [
        ident("resident_id_card", ID_A),
        ident("passport", "E12345678", issuer="CHN"),
        ident("hk_macau_permit", "H12345678"),
        ident("taiwan_permit", "87654321"),
        ident("social_security_card", "SH00112233"),
        ident("medical_insurance_card", "YB310000123456"),
        ident("shanghai_self_pay_card", "ZF31000012345"),
        ident("hospital_card", "000123", institutionId=institution.id),
    ]
    person = register(name="王五", identifiers=identifiers).person
    assert len(person.identifiers) == len(identifiers)
    for item in identifiers:
        found = service.find_by_identifier(
            session=db,
            id_type=item["type"],
            value=item["value"],
            issuer=item.get("issuer"),
            institution_id=item.get("institutionId"),
        )
        assert found is person, item["type"]
    # A number is only the same identifier within its type and issuer.
    assert (
        service.find_by_identifier(session=db, id_type="passport", value="E12345678", issuer="USA")
        is None
    )
    assert (
        service.find_by_identifier(session=db, id_type="medical_insurance_card", value="SH00112233")
        is None
    )


def test_other_foreigner_and_hmt_identifiers(db: Session, register: Register) -> None:
    permit = id_number(date(1990, 3, 3), 12, region="810000")
    person = register(
        name="陈大文",
        identifiers=[
            ident("hmt_residence_permit", permit),
            ident("foreigner_permanent_residence", "USA310012345678"),
        ],
    ).person
    assert (person.birth_date, person.sex_code) == (date(1990, 3, 3), "2")
    assert (
        service.find_by_identifier(session=db, id_type="hmt_residence_permit", value=permit)
        is person
    )


def test_same_identifier_twice_returns_the_same_person(
    db: Session, register: Register, institution: Institution
) -> None:
    first = register(name="赵六", identifiers=[ident("resident_id_card", ID_A)])
    second = register(
        name="赵六",
        phone="13812345678",
        identifiers=[
            ident("resident_id_card", ID_A.lower()),
            ident("hospital_card", "H-778", institutionId=institution.id),
        ],
    )
    assert not second.created
    assert second.person.id == first.person.id
    # The new card was linked and the empty phone filled in; no second record exists.
    assert (
        service.find_by_identifier(
            session=db, id_type="hospital_card", value="H778", institution_id=institution.id
        )
        is first.person
    )
    assert first.person.phone == "13812345678"
    count = db.execute(text("SELECT COUNT(*) FROM patients_person")).scalar_one()
    assert count == 1


def test_identifiers_of_two_different_people_in_one_registration_are_refused(
    register: Register,
) -> None:
    register(name="甲", identifiers=[ident("resident_id_card", ID_A)])
    register(name="乙", identifiers=[ident("medical_insurance_card", "YB0001")])
    with pytest.raises(Conflict) as exc:
        register(
            name="甲",
            identifiers=[
                ident("resident_id_card", ID_A),
                ident("medical_insurance_card", "YB0001"),
            ],
        )
    assert exc.value.code == "patients.identifiers_split"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"birthDate": "1985-06-16"}, "birthDate"), ({"sexCode": "2"}, "sexCode")],
)
def test_birth_date_or_sex_contradicting_the_id_number_names_the_field(
    register: Register, fields: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        register(identifiers=[ident("resident_id_card", ID_A)], **fields)
    assert field_of(exc) == field
    assert "公民身份号码" in exc.value.errors[0].message


def test_invalid_id_number_is_refused_at_the_schema_with_the_field_path() -> None:
    with pytest.raises(ValidationError) as exc:
        PersonCreate.model_validate(
            {
                "name": "张三",
                "identifiers": [
                    ident("resident_id_card", ID_A[:17] + ("0" if ID_A[17] != "0" else "1"))
                ],
            }
        )
    err = exc.value.errors()[0]
    assert err["type"] == "patients.id_number_checksum"
    assert err["loc"] == ("identifiers", 0, "value")


def test_passport_needs_country_and_hospital_card_needs_institution(register: Register) -> None:
    with pytest.raises(ValidationFailed) as exc:
        register(identifiers=[ident("passport", "E12345678")])
    assert field_of(exc) == "identifiers[0].issuer"
    with pytest.raises(ValidationFailed) as exc:
        register(identifiers=[ident("hospital_card", "123")])
    assert field_of(exc) == "identifiers[0].institutionId"
    with pytest.raises(ValidationFailed) as exc:
        register(identifiers=[ident("hospital_card", "123", institutionId="nope")])
    assert field_of(exc) == "identifiers[0].institutionId"


def test_search_by_name_and_birth_date_is_paged(db: Session, register: Register) -> None:
    for n in range(3):
        register(
            name="刘 洋",
            birthDate="2001-01-01",
            sexCode="1",
            identifiers=[ident("medical_insurance_card", f"YB10{n}000")],
        )
    register(name="刘洋", birthDate="2001-01-02")
    page = service.search(
        session=db,
        actor=SYSTEM_ACTOR,
        query=PersonSearch(name="刘 洋", birth_date=date(2001, 1, 1), page=1, page_size=2),
    )
    assert page.total == 3 and len(page.items) == 2
    page2 = service.search(
        session=db,
        actor=SYSTEM_ACTOR,
        query=PersonSearch(name="刘 洋", birth_date=date(2001, 1, 1), page=2, page_size=2),
    )
    assert len(page2.items) == 1
    assert {p.id for p in page.items}.isdisjoint({p.id for p in page2.items})


# ---------------------------------------------------------------- matching


def test_similar_person_without_shared_identifier_goes_to_review_list(
    db: Session, register: Register
) -> None:
    a = register(
        name="孙丽",
        birthDate="1970-05-05",
        sexCode="2",
        identifiers=[ident("medical_insurance_card", "YB111111")],
    ).person
    reg = register(
        name="孙丽",
        birthDate="1970-05-05",
        sexCode="2",
        identifiers=[ident("shanghai_self_pay_card", "ZF222222")],
    )
    assert reg.created and reg.person.id != a.id
    assert len(reg.candidates) == 1
    page = service.list_candidates(session=db, actor=SYSTEM_ACTOR, query=CandidateQuery())
    assert page.total == 1
    candidate = page.items[0]
    assert {candidate.person_a_id, candidate.person_b_id} == {a.id, reg.person.id}
    assert candidate.band == "possible_match"
    assert candidate.score == pytest.approx(0.75)
    assert candidate.agreeing == ["name", "birthDate", "sex"]


def test_high_score_is_band_match_but_still_waits_for_review(
    db: Session, register: Register
) -> None:
    a = register(name="周杰", birthDate="1980-01-01", sexCode="1", phone="13900001111").person
    b = register(name="周杰", birthDate="1980-01-01", sexCode="1", phone="139 0000 1111").person
    assert a.id != b.id and b.status == "active"
    (candidate,) = service.list_candidates(
        session=db, actor=SYSTEM_ACTOR, query=CandidateQuery()
    ).items
    assert candidate.band == "match" and candidate.score == pytest.approx(1.0)


def test_phone_alone_with_birth_date_and_sex_is_possible_match(
    db: Session, register: Register
) -> None:
    register(name="吴一", birthDate="1990-09-09", sexCode="1", phone="13700002222")
    reg = register(name="吴二", birthDate="1990-09-09", sexCode="1", phone="13700002222")
    assert [c.agreeing for c in reg.candidates] == [["birthDate", "sex", "phone"]]


def test_weak_similarity_and_different_id_numbers_are_not_candidates(
    db: Session, register: Register
) -> None:
    register(name="郑明", birthDate="1985-06-15", sexCode="1")
    # Same name, different birth date and no phone: 0.45 → no match.
    assert register(name="郑明", birthDate="1986-06-15", sexCode="1").candidates == []
    # Same everything but two different citizen ID numbers: two people.
    register(name="钱多", identifiers=[ident("resident_id_card", ID_A)])
    other = id_number(date(1985, 6, 15), 125)
    assert register(name="钱多", identifiers=[ident("resident_id_card", other)]).candidates == []


def test_dismissed_candidate_is_not_suggested_again(
    db: Session, actor: Actor, register: Register
) -> None:
    register(name="冯雪", birthDate="1999-12-12", sexCode="2")
    b = register(name="冯雪", birthDate="1999-12-12", sexCode="2").person
    (candidate,) = service.list_candidates(
        session=db, actor=SYSTEM_ACTOR, query=CandidateQuery()
    ).items
    service.dismiss_candidate(session=db, actor=actor, candidate_id=candidate.id, note="双胞胎")
    assert candidate.reviewed_by == actor.user_id and candidate.reviewed_at is not None
    service.update_person(
        session=db, actor=actor, person_id=b.id, data=PersonUpdate(phone="13611112222")
    )
    assert (
        service.list_candidates(session=db, actor=SYSTEM_ACTOR, query=CandidateQuery()).total == 0
    )
    assert (
        service.list_candidates(
            session=db, actor=SYSTEM_ACTOR, query=CandidateQuery(status="dismissed")
        ).total
        == 1
    )
    with pytest.raises(Conflict):
        service.dismiss_candidate(session=db, actor=actor, candidate_id=candidate.id)


# ---------------------------------------------------------------- merge and unmerge


def _ids_of(person: Any) -> set[str]:
    return {i.id for i in person.identifiers if i.active}


def test_merge_then_unmerge_restores_identifiers_exactly(
    db: Session, actor: Actor, register: Register, institution: Institution
) -> None:
    survivor = register(name="何平", identifiers=[ident("resident_id_card", ID_B)]).person
    merged = register(
        name="何平",
        birthDate="1985-06-15",
        sexCode="2",
        identifiers=[
            ident("hospital_card", "778899", institutionId=institution.id),
            ident("medical_insurance_card", "YB778899"),
        ],
    ).person
    before = {survivor.id: _ids_of(survivor), merged.id: _ids_of(merged)}
    (candidate,) = service.list_candidates(
        session=db, actor=SYSTEM_ACTOR, query=CandidateQuery()
    ).items

    event = service.merge(
        session=db,
        actor=actor,
        survivor_id=survivor.id,
        merged_id=merged.id,
        reason="同一人，核对证件后合并",
    )
    assert merged.status == "merged" and merged.merged_into_id == survivor.id
    assert _ids_of(survivor) == before[survivor.id] | before[merged.id]
    assert candidate.status == "merged"
    # Searching an identifier of the merged record finds the survivor.
    assert (
        service.find_by_identifier(session=db, id_type="medical_insurance_card", value="YB778899")
        is survivor
    )
    assert (
        service.find_by_identifier(
            session=db, id_type="hospital_card", value="778899", institution_id=institution.id
        )
        is survivor
    )
    found = service.search(
        session=db,
        actor=SYSTEM_ACTOR,
        query=PersonSearch(name="何平", birth_date=date(1985, 6, 15)),
    )
    assert [p.id for p in found.items] == [survivor.id]
    # Registering with the merged record's card returns the survivor too.
    again = register(name="何平", identifiers=[ident("medical_insurance_card", "YB778899")])
    assert not again.created and again.person.id == survivor.id
    # Work after the merge: a new identifier on the survivor.
    added = service.add_identifier(
        session=db,
        actor=actor,
        person_id=survivor.id,
        data=IdentifierIn(type="social_security_card", value="SB000123"),
    )
    with pytest.raises(Conflict) as exc:
        service.update_person(
            session=db, actor=actor, person_id=merged.id, data=PersonUpdate(phone="13812345678")
        )
    assert exc.value.code == "patients.person_merged"

    undo = service.unmerge(session=db, actor=actor, event_id=event.id, reason="误合并")
    assert undo.kind == "unmerge" and event.undone_by_id == undo.id
    assert merged.status == "active" and merged.merged_into_id is None
    assert _ids_of(merged) == before[merged.id]
    assert _ids_of(survivor) == before[survivor.id] | {added.id}
    assert (
        service.find_by_identifier(session=db, id_type="medical_insurance_card", value="YB778899")
        is merged
    )
    assert candidate.status == "dismissed"
    with pytest.raises(Conflict) as exc:
        service.unmerge(session=db, actor=actor, event_id=event.id, reason="再次")
    assert exc.value.code == "patients.unmerge_already_done"


def test_history_lists_every_link_merge_and_unmerge(
    db: Session, actor: Actor, register: Register
) -> None:
    a = register(name="林木", identifiers=[ident("resident_id_card", ID_A)]).person
    b = register(
        name="林木", birthDate="1985-06-15", identifiers=[ident("medical_insurance_card", "YB5555")]
    ).person
    card = service.add_identifier(
        session=db,
        actor=actor,
        person_id=a.id,
        data=IdentifierIn(type="social_security_card", value="SB5555"),
    )
    service.unlink_identifier(
        session=db, actor=actor, person_id=a.id, identifier_id=card.id, reason="录入错误"
    )
    event = service.merge(
        session=db, actor=actor, survivor_id=a.id, merged_id=b.id, reason="同一人"
    )
    service.unmerge(session=db, actor=actor, event_id=event.id, reason="误合并")

    kinds = [e.kind for e in service.history(session=db, actor=SYSTEM_ACTOR, person_id=a.id)]
    assert kinds == [
        "register",
        "identifier_link",
        "identifier_link",
        "identifier_unlink",
        "merge",
        "unmerge",
    ]
    b_events = service.history(session=db, actor=SYSTEM_ACTOR, person_id=b.id)
    assert [e.kind for e in b_events] == ["register", "identifier_link", "merge", "unmerge"]
    assert all(e.actor_user_id == actor.user_id for e in b_events)
    assert b_events[2].reason == "同一人"


def test_merge_rules(db: Session, actor: Actor, register: Register) -> None:
    a = register(name="甲", identifiers=[ident("resident_id_card", ID_A)]).person
    b = register(
        name="甲", identifiers=[ident("resident_id_card", id_number(date(1985, 6, 15), 125))]
    ).person
    c = register(name="丙", birthDate="2000-01-01").person
    with pytest.raises(RuleViolation) as exc:
        service.merge(session=db, actor=actor, survivor_id=a.id, merged_id=b.id, reason="x")
    assert exc.value.code == "patients.merge_conflicting_id_numbers"
    with pytest.raises(RuleViolation):
        service.merge(session=db, actor=actor, survivor_id=a.id, merged_id=a.id, reason="x")
    # A chain: c into a, then a into b is refused above; unmerge of the first merge after the
    # survivor itself was merged must wait for the later merge to be undone.
    first = service.merge(session=db, actor=actor, survivor_id=a.id, merged_id=c.id, reason="x")
    d = register(name="丁", birthDate="2000-01-01").person
    second = service.merge(session=db, actor=actor, survivor_id=d.id, merged_id=a.id, reason="x")
    assert service.find_by_identifier(session=db, id_type="resident_id_card", value=ID_A) is d
    with pytest.raises(Conflict) as exc2:
        service.unmerge(session=db, actor=actor, event_id=first.id, reason="x")
    assert exc2.value.code == "patients.unmerge_survivor_merged"
    service.unmerge(session=db, actor=actor, event_id=second.id, reason="x")
    service.unmerge(session=db, actor=actor, event_id=first.id, reason="x")
    assert (a.status, c.status, d.status) == ("active", "active", "active")


def test_identifier_rules_on_add_and_update(db: Session, actor: Actor, register: Register) -> None:
    a = register(name="甲", identifiers=[ident("resident_id_card", ID_A)]).person
    b = register(name="乙", birthDate="1985-06-15").person
    with pytest.raises(Conflict) as exc:
        service.add_identifier(
            session=db,
            actor=actor,
            person_id=b.id,
            data=IdentifierIn(type="resident_id_card", value=ID_A),
        )
    assert exc.value.code == "patients.identifier_taken"
    assert a.master_id in exc.value.detail
    with pytest.raises(Conflict) as exc:
        service.add_identifier(
            session=db,
            actor=actor,
            person_id=a.id,
            data=IdentifierIn(type="resident_id_card", value=id_number(date(1985, 6, 15), 1)),
        )
    assert exc.value.code == "patients.second_resident_id"
    # A female number does not fit b's unknown sex? It does: unknown sex is filled in.
    service.add_identifier(
        session=db,
        actor=actor,
        person_id=b.id,
        data=IdentifierIn(type="resident_id_card", value=ID_B),
    )
    assert b.sex_code == "2"
    with pytest.raises(ValidationFailed) as vexc:
        service.update_person(
            session=db, actor=actor, person_id=b.id, data=PersonUpdate(birth_date=date(1985, 6, 16))
        )
    assert field_of(vexc) == "birthDate"
    with pytest.raises(ValidationFailed) as vexc:
        service.update_person(
            session=db, actor=actor, person_id=b.id, data=PersonUpdate(sex_code="1")
        )
    assert field_of(vexc) == "sexCode"
    # Adding the same identifier again to its holder is harmless.
    again = service.add_identifier(
        session=db,
        actor=actor,
        person_id=a.id,
        data=IdentifierIn(type="resident_id_card", value=ID_A),
    )
    assert again.person_id == a.id


def test_unlinked_identifier_can_be_linked_to_the_right_person(
    db: Session, actor: Actor, register: Register
) -> None:
    wrong = register(name="错人", identifiers=[ident("medical_insurance_card", "YB9090")])
    right = register(name="对人", birthDate="1960-01-01").person
    (card,) = wrong.person.identifiers
    service.unlink_identifier(
        session=db,
        actor=actor,
        person_id=wrong.person.id,
        identifier_id=card.id,
        reason="卡号登记到了别人名下",
    )
    service.add_identifier(
        session=db,
        actor=actor,
        person_id=right.id,
        data=IdentifierIn(type="medical_insurance_card", value="YB9090"),
    )
    assert (
        service.find_by_identifier(session=db, id_type="medical_insurance_card", value="YB9090")
        is right
    )


# ---------------------------------------------------------------- storage


def test_raw_rows_hold_no_plaintext_personal_data(
    db: Session, actor: Actor, register: Register
) -> None:
    name, phone, address = "欧阳蔚然", "13987654321", "上海市徐汇区漕溪北路九十九弄"
    passport = "EQ7654321"
    reg = register(
        name=name,
        phone=phone,
        address=address,
        identifiers=[ident("resident_id_card", ID_A), ident("passport", passport, issuer="CHN")],
    )
    other = register(name=name, phone=phone, birthDate="1985-06-15", sexCode="1").person
    event = service.merge(
        session=db, actor=actor, survivor_id=reg.person.id, merged_id=other.id, reason="合并"
    )
    service.unmerge(session=db, actor=actor, event_id=event.id, reason="撤销")
    db.flush()

    secrets_ = [
        name,
        phone,
        "139 8765 4321",
        address,
        ID_A,
        ID_A[6:14] + ID_A[14:],
        passport,
        "欧阳",
    ]
    tables = [
        "patients_person",
        "patients_identifier",
        "patients_link_event",
        "patients_match_candidate",
    ]
    seen = 0
    for table in tables:
        for row in db.execute(text(f"SELECT * FROM {table}")).all():
            seen += 1
            for column in row:
                cell = str(column)
                for secret in secrets_:
                    assert secret not in cell, f"{table} holds plaintext"
    assert seen >= 8
    # And the model still decrypts what it stored.
    db.expire_all()
    person = service.get_person(session=db, actor=SYSTEM_ACTOR, person_id=reg.person.id)
    assert (person.name, person.phone, person.address) == (name, phone, address)


def test_database_refuses_a_second_active_link_of_one_identifier(
    db: Session, register: Register
) -> None:
    """The partial unique index is what keeps "same identifier → same person" true when two
    hospitals register the same resident at the same moment."""
    from sqlalchemy.exc import IntegrityError

    from healthnet.core.patients.models import Identifier

    person = register(name="并发", identifiers=[ident("medical_insurance_card", "YB424242")]).person
    (card,) = person.identifiers
    other = register(name="别人", birthDate="1950-01-01").person

    def clone(active: bool) -> Identifier:
        return Identifier(
            person_id=other.id,
            id_type=card.id_type,
            value=card.value,
            value_index=card.value_index,
            active=active,
        )

    db.add(clone(active=False))  # inactive history rows may repeat
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(clone(active=True))
        db.flush()


def test_known_card_with_a_birth_date_contradicting_the_stored_id_number_is_refused(
    register: Register,
) -> None:
    register(
        name="黄河",
        identifiers=[ident("resident_id_card", ID_A), ident("medical_insurance_card", "YB313131")],
    )
    with pytest.raises(ValidationFailed) as exc:
        register(
            name="黄河",
            birthDate="1990-01-01",
            identifiers=[ident("medical_insurance_card", "YB313131")],
        )
    assert field_of(exc) == "birthDate"
