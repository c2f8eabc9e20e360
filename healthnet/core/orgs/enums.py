"""Closed vocabularies of the organisations slice; Chinese labels live in messages.py."""

from __future__ import annotations

from enum import StrEnum


class InstitutionKind(StrEnum):
    """Kinds of institution the city network connects (grouped after WS 218-2002)."""

    TERTIARY_HOSPITAL = "tertiary_hospital"
    SECONDARY_HOSPITAL = "secondary_hospital"
    PRIMARY_HOSPITAL = "primary_hospital"
    SPECIALIST_HOSPITAL = "specialist_hospital"
    COMMUNITY_HEALTH_CENTRE = "community_health_centre"
    CDC = "cdc"
    MATERNAL_CHILD_HEALTH = "maternal_child_health"
    VACCINATION_CLINIC = "vaccination_clinic"
    LABORATORY = "laboratory"
    EYE_ORAL_PREVENTION = "eye_oral_prevention"
    OTHER = "other"


class InstitutionLevel(StrEnum):
    """Hospital grade of the 医院分级管理办法: three levels, each graded 甲/乙/丙."""

    L3A = "3A"  # 三级甲等
    L3B = "3B"  # 三级乙等
    L3C = "3C"  # 三级丙等
    L3 = "3"  # 三级（未定等）
    L2A = "2A"  # 二级甲等
    L2B = "2B"  # 二级乙等
    L2C = "2C"  # 二级丙等
    L2 = "2"  # 二级（未定等）
    L1 = "1"  # 一级
    UNGRADED = "ungraded"  # 未定级


KIND_LABELS: dict[InstitutionKind, tuple[str, str]] = {
    InstitutionKind.TERTIARY_HOSPITAL: ("三级医院", "Tertiary hospital"),
    InstitutionKind.SECONDARY_HOSPITAL: ("二级医院", "Secondary hospital"),
    InstitutionKind.PRIMARY_HOSPITAL: ("一级医院", "Primary hospital"),
    InstitutionKind.SPECIALIST_HOSPITAL: ("专科医院", "Specialist hospital"),
    InstitutionKind.COMMUNITY_HEALTH_CENTRE: ("社区卫生服务中心", "Community health centre"),
    InstitutionKind.CDC: ("疾病预防控制中心", "Centre for disease control"),
    InstitutionKind.MATERNAL_CHILD_HEALTH: (
        "妇幼保健院（所）",
        "Maternal and child health institute",
    ),
    InstitutionKind.VACCINATION_CLINIC: ("预防接种门诊", "Vaccination clinic"),
    InstitutionKind.LABORATORY: ("医学检验实验室", "Medical laboratory"),
    InstitutionKind.EYE_ORAL_PREVENTION: (
        "眼病/口腔病防治所",
        "Eye / oral disease prevention institute",
    ),
    InstitutionKind.OTHER: ("其他", "Other"),
}

LEVEL_LABELS: dict[InstitutionLevel, tuple[str, str]] = {
    InstitutionLevel.L3A: ("三级甲等", "Grade 3A"),
    InstitutionLevel.L3B: ("三级乙等", "Grade 3B"),
    InstitutionLevel.L3C: ("三级丙等", "Grade 3C"),
    InstitutionLevel.L3: ("三级", "Grade 3"),
    InstitutionLevel.L2A: ("二级甲等", "Grade 2A"),
    InstitutionLevel.L2B: ("二级乙等", "Grade 2B"),
    InstitutionLevel.L2C: ("二级丙等", "Grade 2C"),
    InstitutionLevel.L2: ("二级", "Grade 2"),
    InstitutionLevel.L1: ("一级", "Grade 1"),
    InstitutionLevel.UNGRADED: ("未定级", "Ungraded"),
}
