"""Reading, validating and loading program files (one YAML file per program).

:func:`parse_text` turns a file's text into a :class:`ProgramSpec` or raises
:class:`ProgramFileError` listing every problem as ``<file>: <path> <Chinese message>``.
:func:`load_spec` stores it keyed by the program code: an unchanged definition (same
fingerprint as the current version) changes nothing; a changed one becomes a new version,
and records captured before keep the version they were captured with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.crypto import sm3
from healthnet.core.db import utcnow
from healthnet.core.i18n import has, t
from healthnet.core.programs.definition import VALUE_TYPES, ProgramSpec, check
from healthnet.core.programs.models import Program, ProgramVersion

MAX_FILE_BYTES = 2_000_000


class ProgramFileError(ValueError):
    """A program file that cannot be loaded; ``problems`` are ``(path, message)`` pairs."""

    def __init__(self, file: str, problems: list[tuple[str, str]]) -> None:
        self.file = file
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.file}: {path} {msg}".replace(":  ", ": ") for path, msg in self.problems]


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _message(err: Any) -> str:
    etype = str(err.get("type", ""))
    loc = err.get("loc", ())
    ctx = dict(err.get("ctx") or {})
    value = err.get("input")
    if loc and loc[-1] == "valueType" and etype == "literal_error":
        return f'未知的值类型 "{value}"（可用：{", ".join(VALUE_TYPES)}）'
    if etype == "literal_error":
        return f'取值 "{value}" 不在允许范围内：{ctx.get("expected", "")}'
    if etype == "string_pattern_mismatch":
        return f'"{value}" 格式不正确（应为小写字母开头，仅含小写字母、数字和下划线）'
    if etype == "extra_forbidden":
        return "不认识的键（请检查拼写，键名为驼峰式，如 valueType）"
    if etype == "value_error":
        return str(ctx.get("error", "取值不正确")).removeprefix("Value error, ")
    if has(f"field.{etype}"):
        return t(f"field.{etype}", **ctx)
    return "取值不正确"


def parse_text(text: str, *, file: str) -> ProgramSpec:
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ProgramFileError(file, [("", "文件过大")])
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise ProgramFileError(file, [("", f"不是合法的 YAML {where}".strip())]) from None
    if not isinstance(raw, dict):
        raise ProgramFileError(file, [("", "文件内容应为一个项目定义（YAML 映射）")])
    try:
        spec = ProgramSpec.model_validate(raw)
    except ValidationError as e:
        problems = [(_loc(tuple(err["loc"])), _message(err)) for err in e.errors()]
        raise ProgramFileError(file, problems) from None
    problems = check(spec)
    if problems:
        raise ProgramFileError(file, problems)
    return spec


def parse_file(path: Path) -> ProgramSpec:
    return parse_text(path.read_text(encoding="utf-8"), file=path.name)


def canonical(spec: ProgramSpec) -> dict[str, Any]:
    """The stored form of a definition: camelCase keys, defaults included."""
    data: dict[str, Any] = json.loads(spec.model_dump_json(by_alias=True))
    return data


def fingerprint(definition: dict[str, Any]) -> str:
    blob = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sm3(blob.encode("utf-8")).hex()


@dataclass(frozen=True)
class LoadResult:
    code: str
    version: int
    changed: bool  # a new version (or a new program) was stored
    file: str | None = None


def load_spec(
    *,
    session: Session,
    spec: ProgramSpec,
    source_file: str | None = None,
    loaded_by: str | None = None,
) -> LoadResult:
    definition = canonical(spec)
    fp = fingerprint(definition)
    program = session.scalar(select(Program).where(Program.code == spec.code))
    if program is None:
        program = Program(code=spec.code, name=spec.name, kind=spec.kind)
        session.add(program)
        session.flush()
    elif program.current_version_id is not None:
        current = session.get(ProgramVersion, program.current_version_id)
        if current is not None and current.fingerprint == fp:
            return LoadResult(spec.code, current.version, False, source_file)
    last = session.scalar(
        select(func.max(ProgramVersion.version)).where(ProgramVersion.program_id == program.id)
    )
    version = ProgramVersion(
        program_id=program.id,
        version=(last or 0) + 1,
        fingerprint=fp,
        definition=definition,
        source_file=(source_file or "")[:255] or None,
        loaded_at=utcnow(),
        loaded_by=loaded_by,
    )
    session.add(version)
    session.flush()
    program.current_version_id = version.id
    program.name = spec.name
    program.kind = spec.kind
    program.is_active = True
    session.flush()
    return LoadResult(spec.code, version.version, True, source_file)


def load_files(
    *, session: Session, paths: Iterable[Path], loaded_by: str | None = None
) -> list[LoadResult]:
    """Validate every file first, then load them all; one bad file loads nothing."""
    files: list[Path] = []
    for p in paths:
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    specs: list[tuple[Path, ProgramSpec]] = []
    errors: list[ProgramFileError] = []
    for f in files:
        try:
            specs.append((f, parse_file(f)))
        except ProgramFileError as e:
            errors.append(e)
    if errors:
        raise _combined(errors)
    codes = [s.code for _, s in specs]
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        raise ProgramFileError("", [("code", f"多个文件定义了同一个项目代码：{', '.join(dup)}")])
    return [
        load_spec(session=session, spec=s, source_file=f.name, loaded_by=loaded_by)
        for f, s in specs
    ]


class _Combined(ProgramFileError):
    def __init__(self, errors: list[ProgramFileError]) -> None:
        self.errors = errors
        self.file = errors[0].file
        self.problems = [p for e in errors for p in e.problems]
        ValueError.__init__(self, "\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [line for e in self.errors for line in e.lines()]


def _combined(errors: list[ProgramFileError]) -> ProgramFileError:
    return _Combined(errors)
