"""Districts, institutions and departments through the service layer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from healthnet.core.errors import Conflict, NotFound, ValidationFailed
from healthnet.core.orgs import service
from healthnet.core.orgs.models import District, Institution
from healthnet.core.orgs.schemas import (
    DepartmentCreate,
    DepartmentQuery,
    DepartmentUpdate,
    InstitutionQuery,
    InstitutionUpdate,
)
from healthnet.core.rbac.actor import SYSTEM_ACTOR
from tests.reference import SHANGHAI_DISTRICTS

MakeInstitution = Callable[..., Institution]


# ---------------------------------------------------------------- districts


def test_the_sixteen_districts_load_once(db: Session) -> None:
    assert service.load_districts(session=db) == (16, 0)
    assert service.load_districts(session=db) == (0, 0)
    rows = service.list_districts(session=db)
    assert {d.code: d.name for d in rows} == SHANGHAI_DISTRICTS
    assert [d.code for d in rows] == sorted(SHANGHAI_DISTRICTS)
    for d in rows:  # each centre lies inside the Shanghai box, for map views
        assert d.longitude is not None and 120.8 <= d.longitude <= 122.2
        assert d.latitude is not None and 30.6 <= d.latitude <= 31.9


def test_reloading_repairs_an_edited_district(db: Session, districts: None) -> None:
    row = db.get(District, "310101")
    assert row is not None
    row.name = "错误名称"
    db.flush()
    assert service.load_districts(session=db) == (0, 1)
    assert db.get(District, "310101").name == "黄浦区"  # type: ignore[union-attr]


# ---------------------------------------------------------------- institutions


def test_create_and_read_institution(db: Session, make_institution: MakeInstitution) -> None:
    inst = make_institution(
        name="复旦大学附属中山医院",
        short_name="中山医院",
        beds=2000,
        longitude=121.455,
        latitude=31.197,
        credit_code="91350100m000100y43 ",
    )
    got = service.get_institution(session=db, institution_id=inst.id)
    assert got.name == "复旦大学附属中山医院"
    assert got.district_name == "徐汇区"
    assert got.credit_code == "91350100M000100Y43"  # normalised
    assert got.is_active is True
    assert service.district_of_institution(session=db, institution_id=inst.id) == "310104"
    assert service.district_of_institution(session=db, institution_id="nope") is None
    assert service.get_institution_by_code(session=db, code=inst.code) is got


def test_institution_codes_are_unique(make_institution: MakeInstitution) -> None:
    make_institution(code="H001")
    with pytest.raises(Conflict) as exc:
        make_institution(code="H001")
    assert exc.value.errors[0].field == "code"
    assert "H001" in exc.value.detail


def test_unknown_district_names_the_field(make_institution: MakeInstitution) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_institution(district_code="310102")  # 南市区, merged into 黄浦区 in 2000
    assert exc.value.errors[0].field == "districtCode"
    assert "310102" in exc.value.errors[0].message


def test_coordinates_come_in_pairs(make_institution: MakeInstitution) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_institution(longitude=121.4)
    assert exc.value.errors[0].field == "latitude"


def test_patch_changes_only_the_fields_sent(db: Session, make_institution: MakeInstitution) -> None:
    inst = make_institution(short_name="老简称", beds=100, phone="021-64041990")
    updated = service.update_institution(
        session=db,
        institution_id=inst.id,
        data=InstitutionUpdate.model_validate(
            {"name": "新名称", "districtCode": "310115", "phone": None}
        ),
    )
    assert updated.name == "新名称"
    assert updated.district_name == "浦东新区"
    assert updated.phone is None  # null clears an optional field
    assert updated.short_name == "老简称" and updated.beds == 100  # not sent, not touched
    assert service.district_of_institution(session=db, institution_id=inst.id) == "310115"


def test_patch_cannot_take_an_existing_code(db: Session, make_institution: MakeInstitution) -> None:
    make_institution(code="A1")
    b = make_institution(code="B1")
    with pytest.raises(Conflict):
        service.update_institution(
            session=db, institution_id=b.id, data=InstitutionUpdate(code="A1")
        )
    same = service.update_institution(
        session=db, institution_id=b.id, data=InstitutionUpdate(code="B1")
    )
    assert same.code == "B1"


def test_parent_must_exist_and_not_loop(db: Session, make_institution: MakeInstitution) -> None:
    hospital = make_institution()
    campus = make_institution(parent_id=hospital.id)
    assert campus.parent_id == hospital.id
    with pytest.raises(ValidationFailed) as exc:
        make_institution(parent_id="missing")
    assert exc.value.errors[0].field == "parentId"
    for parent in (campus.id, hospital.id):
        with pytest.raises(ValidationFailed) as exc:
            service.update_institution(
                session=db, institution_id=hospital.id, data=InstitutionUpdate(parent_id=parent)
            )
        assert exc.value.errors[0].code == "orgs.parent_cycle"


def test_deactivate_and_reactivate(db: Session, make_institution: MakeInstitution) -> None:
    inst = make_institution()
    service.set_institution_active(session=db, institution_id=inst.id, active=False)
    active = service.list_institutions(
        session=db, actor=SYSTEM_ACTOR, query=InstitutionQuery(active=True)
    )
    inactive = service.list_institutions(
        session=db, actor=SYSTEM_ACTOR, query=InstitutionQuery(active=False)
    )
    assert inst.id not in {i.id for i in active.items}
    assert [i.id for i in inactive.items] == [inst.id]
    assert service.institution_ids_in_district(session=db, district_code="310104") == []
    service.set_institution_active(session=db, institution_id=inst.id, active=True)
    assert service.get_institution(session=db, institution_id=inst.id).is_active
    assert service.institution_ids_in_district(session=db, district_code="310104") == [inst.id]


def test_unknown_institution_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound):
        service.get_institution(session=db, institution_id="nope")
    with pytest.raises(NotFound):
        service.set_institution_active(session=db, institution_id="nope", active=False)


def test_list_filters_combine(db: Session, make_institution: MakeInstitution) -> None:
    a = make_institution(name="徐汇区中心医院", level="2A", kind="secondary_hospital")
    b = make_institution(name="徐汇区疾病预防控制中心", kind="cdc", level="ungraded")
    c = make_institution(
        name="浦东新区人民医院",
        district_code="310115",
        level="2A",
        kind="secondary_hospital",
        short_name="浦东人民",
    )
    make_institution(name="长宁区天山中医医院", district_code="310105", kind="specialist_hospital")

    def ids(**kw: object) -> list[str]:
        return [
            i.id
            for i in service.list_institutions(
                session=db,
                actor=SYSTEM_ACTOR,
                query=InstitutionQuery.model_validate({"sort": "code", **kw}),
            ).items
        ]

    assert ids(districtCode="310104") == [a.id, b.id]
    assert ids(kind="secondary_hospital") == [a.id, c.id]
    assert ids(level="2A", districtCode="310115") == [c.id]
    assert ids(name="徐汇区") == [a.id, b.id]
    assert ids(name="浦东人民") == [c.id]  # short name matches too
    assert ids(name="%") == []  # wildcard characters are taken literally


def test_list_pages_and_sorts(db: Session, make_institution: MakeInstitution) -> None:
    beds = [300, None, 1200, 50, 800]
    made = [make_institution(beds=b) for b in beds]
    page1 = service.list_institutions(
        session=db,
        actor=SYSTEM_ACTOR,
        query=InstitutionQuery.model_validate({"sort": "-beds", "pageSize": 2}),
    )
    page3 = service.list_institutions(
        session=db,
        actor=SYSTEM_ACTOR,
        query=InstitutionQuery.model_validate({"sort": "-beds", "pageSize": 2, "page": 3}),
    )
    assert page1.total == page3.total == 5
    assert [i.beds for i in page1.items] == [1200, 800]
    assert [i.beds for i in page3.items] == [None]  # unknown bed counts sort last
    ascending = service.list_institutions(
        session=db, actor=SYSTEM_ACTOR, query=InstitutionQuery.model_validate({"sort": "beds"})
    )
    assert [i.beds for i in ascending.items] == [50, 300, 800, 1200, None]
    assert {i.id for i in ascending.items} == {m.id for m in made}


# ---------------------------------------------------------------- departments


def test_department_crud(db: Session, make_institution: MakeInstitution) -> None:
    inst = make_institution()
    other = make_institution()
    dept = service.create_department(
        session=db,
        institution_id=inst.id,
        data=DepartmentCreate(code="0301", name="心内科", category="03"),
    )
    # The same department code is fine in another institution, not twice in one.
    service.create_department(
        session=db, institution_id=other.id, data=DepartmentCreate(code="0301", name="心血管内科")
    )
    with pytest.raises(Conflict):
        service.create_department(
            session=db, institution_id=inst.id, data=DepartmentCreate(code="0301", name="重复")
        )
    service.create_department(
        session=db,
        institution_id=inst.id,
        data=DepartmentCreate(code="1001", name="眼科", category="10"),
    )
    page = service.list_departments(session=db, institution_id=inst.id, query=DepartmentQuery())
    assert [d.name for d in page.items] == ["心内科", "眼科"]
    assert page.items[0].category_name == "内科"

    service.update_department(
        session=db,
        institution_id=inst.id,
        department_id=dept.id,
        data=DepartmentUpdate(name="心血管内科", is_active=False),
    )
    active = service.list_departments(
        session=db, institution_id=inst.id, query=DepartmentQuery(active=True)
    )
    assert [d.name for d in active.items] == ["眼科"]

    with pytest.raises(NotFound):  # reached through the wrong institution
        service.get_department(session=db, institution_id=other.id, department_id=dept.id)
    service.delete_department(session=db, institution_id=inst.id, department_id=dept.id)
    with pytest.raises(NotFound):
        service.get_department(session=db, institution_id=inst.id, department_id=dept.id)


def test_department_category_must_be_in_the_catalogue() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as exc:
        DepartmentCreate(code="x", name="x", category="99")
    assert exc.value.errors()[0]["type"] == "orgs.category_unknown"


def test_departments_of_unknown_institution(db: Session) -> None:
    with pytest.raises(NotFound):
        service.create_department(
            session=db, institution_id="nope", data=DepartmentCreate(code="01", name="预防保健科")
        )
