"""Change counters (core.generations): which writes count, and a Memo that is rebuilt exactly
when its rows changed — in this process or in another one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from healthnet.core import generations
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import District

NAME = "test.districts"


@pytest.fixture
def watched(db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A generation over orgs_district; yields the district names a Memo loaded, each load."""
    sources = {table: list(known) for table, known in generations._sources.items()}
    monkeypatch.setattr(generations, "_sources", sources)
    generations.watch(NAME, ("orgs_district",))
    orgs.load_districts(session=db)
    db.commit()
    yield []


def _memo(loads: list[str]) -> generations.Memo[str]:
    def load(session: Session) -> str:
        name = session.scalar(select(District.name).where(District.code == "310101"))
        loads.append(str(name))
        return str(name)

    return generations.Memo(NAME, load)


def test_orm_changes_and_statements_on_a_watched_table_count(
    db: Session, watched: list[str]
) -> None:
    start = generations.current(db, NAME)
    district = db.get(District, "310101")
    assert district is not None
    district.name = "黄浦区（改）"
    db.flush()
    assert generations.current(db, NAME) == start + 1
    db.execute(update(District).where(District.code == "310104").values(name="徐汇区（改）"))
    assert generations.current(db, NAME) == start + 2
    db.execute(text("UPDATE orgs_district SET name = name WHERE code = '310105'"))
    assert generations.current(db, NAME) == start + 3
    # Reads and writes to other tables do not count.
    db.execute(select(District)).all()
    db.execute(text("SELECT count(*) FROM orgs_district"))
    db.execute(text("UPDATE sysconf_parameter SET key = key WHERE 1 = 0"))
    assert generations.current(db, NAME) == start + 3


def test_a_memo_is_reused_until_a_change_commits_then_rebuilt(
    db: Session, watched: list[str]
) -> None:
    memo = _memo(watched)
    assert memo.get(db) == memo.get(db)
    assert len(watched) == 1  # built once, then kept
    # Another worker process renames the district and commits: its counter moved.
    district = db.get(District, "310101")
    assert district is not None
    district.name = "黄浦区（新）"
    db.commit()
    assert memo.get(db) == "黄浦区（新）"
    assert len(watched) == 2


def test_what_an_uncommitted_change_shows_is_not_kept(db: Session, watched: list[str]) -> None:
    memo = _memo(watched)
    memo.get(db)
    district = db.get(District, "310101")
    assert district is not None
    district.name = "未提交"
    db.flush()
    assert generations.pending(db, NAME)
    assert memo.get(db) == "未提交"  # this transaction sees its own change ...
    db.rollback()
    assert not generations.pending(db, NAME)
    # ... but did not keep it: after the rollback the copy of the committed rows serves again.
    assert memo.get(db) == "黄浦区"
    assert watched == ["黄浦区", "未提交"]
