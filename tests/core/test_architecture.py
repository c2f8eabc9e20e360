"""Rules of the house that a reviewer would otherwise have to remember."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from healthnet.app import manifests
from healthnet.models import metadata

ROOT = Path(__file__).resolve().parents[2]


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                # Tables that tests create for themselves (e.g. crypto_test_secret) are not ours.
                "include_name": lambda name, type_, parent: (
                    not (type_ == "table" and name is not None and "_test_" in name)
                ),
            },
        )
        diff = compare_metadata(ctx, metadata)
    assert diff == [], (
        f"models and migrations differ; run scripts/regen_initial_migration.sh: {diff}"
    )


def test_every_permission_has_chinese_and_english_labels() -> None:
    seen: dict[str, str] = {}
    for m in manifests():
        for code, (zh, en) in m.permissions.items():
            assert code.count(":") == 2, f"{code}: permission codes are module:entity:action"
            assert code.split(":")[0] == m.key, f"{code} declared outside its slice {m.key}"
            assert zh and any("\u4e00" <= ch <= "\u9fff" for ch in zh), f"{code}: no Chinese label"
            assert en and en.isascii(), f"{code}: no English label"
            assert code not in seen, f"{code} declared twice"
            seen[code] = m.key
    assert seen


def test_import_contracts_hold() -> None:
    """The core never imports a module; only core.crypto imports crypto libraries."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
