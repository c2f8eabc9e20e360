"""``healthnet alerts load-rules`` as an operator runs it (its own, committed transaction)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete, func, select
from typer.testing import CliRunner

from healthnet.cli import app
from healthnet.core.db import transaction
from healthnet.modules.alerts.models import DrugRule, ItemRule
from healthnet.modules.alerts.service import read_rules_file

runner = CliRunner()


@pytest.fixture
def no_rules(engine: Engine) -> Iterator[None]:
    """Committed data: start without rules and leave none behind."""

    def wipe() -> None:
        with transaction() as session:
            session.execute(delete(DrugRule))
            session.execute(delete(ItemRule))

    wipe()
    yield
    wipe()


def test_load_rules_is_idempotent_and_overwrite_resets_edits(no_rules: None) -> None:
    spec = read_rules_file()
    result = runner.invoke(app, ["alerts", "load-rules"])
    assert result.exit_code == 0, result.output
    assert f"新增 {len(spec.drug_rules) + len(spec.item_rules)} 条，更新 0 条" in result.output
    again = runner.invoke(app, ["alerts", "load-rules"])
    assert "新增 0 条，更新 0 条" in again.output

    with transaction() as session:
        rule = session.scalar(select(ItemRule).where(ItemRule.code == "EXAM-CT-HEAD"))
        assert rule is not None
        rule.window_days = 60
    assert "新增 0 条，更新 0 条" in runner.invoke(app, ["alerts", "load-rules"]).output
    reset = runner.invoke(app, ["alerts", "load-rules", "--overwrite"])
    assert "新增 0 条，更新 1 条" in reset.output
    with transaction() as session:
        assert (
            session.scalar(select(ItemRule.window_days).where(ItemRule.code == "EXAM-CT-HEAD"))
            == 30
        )
        assert session.scalar(select(func.count(DrugRule.id))) == len(spec.drug_rules)
