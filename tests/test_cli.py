"""The ``healthnet`` command itself (the slices' command groups are tested with their slice)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from healthnet.cli import app

runner = CliRunner()


def test_openapi_prints_the_document_the_front_end_generates_its_types_from(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["openapi"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/auth/me" in doc["paths"] and "/api/v1/sysconf/params" in doc["paths"]
    assert doc["paths"]["/api/v1/home/todos"]["get"]["operationId"] == "home_todos"
    # Sorted keys and a fixed indent: the same app gives byte-identical output (clean diffs).
    assert result.stdout == json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "管理" in result.stdout  # Chinese stays readable, not \u-escaped

    out = tmp_path / "openapi.json"
    result = runner.invoke(app, ["openapi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        out.read_text(encoding="utf-8")
        == json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    )
