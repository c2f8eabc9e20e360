"""Reads the slice's metadata files (YAML, shipped inside the package)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

METADATA_DIR = Path(__file__).resolve().parent / "metadata"
DISTRICTS_FILE = METADATA_DIR / "districts.yaml"


def read_districts(path: Path = DISTRICTS_FILE) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = data["districts"]
    assert isinstance(rows, list)
    return rows


@lru_cache
def department_categories() -> dict[str, str]:
    """Top-level categories of 医疗机构诊疗科目名录, code → Chinese name."""
    data = yaml.safe_load((METADATA_DIR / "department_categories.yaml").read_text("utf-8"))
    return {str(c["code"]): str(c["name"]) for c in data["categories"]}
