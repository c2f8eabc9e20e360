"""``verify()``: walk the whole chain (archive, then live) and every checkpoint.

Runs in one read snapshot (REPEATABLE READ on PostgreSQL; one read transaction on SQLite), so
writers and the archiver can keep working while it runs and it still sees one consistent chain.
Rows are streamed in batches (server-side cursor on PostgreSQL).

What each finding means, for a row ``k`` met in ``seq`` order:

* ``altered`` — the stored fields no longer hash to the stored hash (a field was UPDATEd).
* ``forged`` — the hash matches but the installation's HMAC does not: someone recomputed the
  hash after changing the row, or INSERTed a row of their own making.
* ``deleted`` — ``seq`` jumps: the rows in between were DELETEd.
* ``inserted`` — a ``seq`` met twice, or rows beyond the chain head.
* ``relinked`` — an intact row whose ``prev_hash`` is not the previous row's hash.
* ``tail_deleted`` / ``head_*`` — the end of the chain disagrees with the head row.
* ``checkpoint_*`` — a signature that does not verify, an untrusted signer, or a signed head
  hash the chain no longer has at that ``seq`` (the chain was rewritten, even consistently).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select, text

from healthnet.core.audit import chain
from healthnet.core.audit.models import (
    GENESIS_HASH,
    HEAD_ID,
    AuditChainHead,
    AuditCheckpoint,
    AuditRecord,
    AuditRecordArchive,
    AuditSigningKey,
)
from healthnet.core.crypto import CryptoError, SM2PublicKey, hmac_sm3, sm3
from healthnet.core.db import get_engine, utcnow
from healthnet.core.i18n import t

CHAIN_KINDS = (
    "altered",
    "forged",
    "deleted",
    "inserted",
    "relinked",
    "tail_deleted",
    "head_mismatch",
    "head_missing",
)
MAX_PROBLEMS = 100
# Below this, starting worker processes costs more than it saves.
PARALLEL_MIN_RECORDS = 200_000


@dataclass(frozen=True)
class Problem:
    kind: str
    seq: int | None = None
    last: int | None = None  # end of a range (deleted rows)
    checkpoint_id: str | None = None
    time: datetime | None = None

    @property
    def message(self) -> str:
        when = chain.format_time(self.time) if self.time else ""
        return t(f"audit.problem.{self.kind}", seq=self.seq, last=self.last, time=when)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seq": self.seq,
            "last": self.last,
            "checkpointId": self.checkpoint_id,
            "message": self.message,
        }


@dataclass
class VerifyReport:
    started_at: datetime
    finished_at: datetime | None = None
    records: int = 0
    archived: int = 0
    checkpoints: int = 0
    last_seq: int = 0
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # found after MAX_PROBLEMS, counted only
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        """The first record that was altered, deleted or inserted (chain order)."""
        seqs = [p.seq for p in self.problems if p.kind in CHAIN_KINDS and p.seq is not None]
        return min(seqs) if seqs else None

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1

    def lines(self) -> list[str]:
        """The report in Chinese, as the command line prints it."""
        if self.ok:
            return [
                t(
                    "audit.verify.ok",
                    records=self.records,
                    archived=self.archived,
                    checkpoints=self.checkpoints,
                    last_seq=self.last_seq,
                    seconds=f"{self.seconds:.1f}",
                )
            ]
        out = [
            t(
                "audit.verify.failed",
                count=len(self.problems) + self.more_problems,
                records=self.records,
                checkpoints=self.checkpoints,
            )
        ]
        if self.first_bad_seq is not None:
            out.append(t("audit.verify.first", seq=self.first_bad_seq))
        out += [f"  - {p.message}" for p in self.problems]
        if self.more_problems:
            out.append(f"  …… 另有 {self.more_problems} 个问题未列出")
        return out


_live: Table = AuditRecord.__table__  # type: ignore[assignment]
_archive: Table = AuditRecordArchive.__table__  # type: ignore[assignment]
_head: Table = AuditChainHead.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class _Cp:
    """What a chunk walker needs of a checkpoint (picklable for worker processes)."""

    id: str
    seq: int
    head_hash: str
    signed_at: datetime


@dataclass(frozen=True)
class _SignedCp:
    """A checkpoint whose signature a worker process checks."""

    id: str
    seq: int
    head_hash: str
    signed_at: datetime
    signature: str
    signer_fingerprint: str


@dataclass
class _Chunk:
    """The result of walking one seq range of one table; chunks are stitched in order."""

    count: int = 0
    first_seq: int = 0
    first_prev: str = ""
    first_bad: bool = False
    last_seq: int = 0
    last_hash: str = ""
    last_bad: bool = False
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    seen_checkpoints: set[str] = field(default_factory=set)
    signature_problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1


def _batches(
    conn: Connection, table: Table, lo: int | None, hi: int | None, batch_size: int
) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``table`` in seq order, streamed: hashed fields, prev_hash, hash, mac."""
    cols = [table.c[f] for f in chain.FIELDS]
    cols += [table.c.prev_hash, table.c.hash, table.c.mac]
    if conn.dialect.name == "postgresql":
        # A psycopg server-side cursor on the same transaction: plain tuples, no per-row result
        # processing (a third of the walk's time through SQLAlchemy rows). occurred_at comes
        # back tz-aware, which is all the hash needs.
        conds, params = [], {}
        if lo is not None:
            conds.append("seq >= %(lo)s")
            params["lo"] = lo
        if hi is not None:
            conds.append("seq <= %(hi)s")
            params["hi"] = hi
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        sql = f"SELECT {', '.join(c.name for c in cols)} FROM {table.name}{where} ORDER BY seq"
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor(name=f"hn_audit_walk_{secrets.token_hex(4)}") as cur:
            cur.itersize = batch_size
            cur.execute(sql, params)
            while rows := cur.fetchmany(batch_size):
                yield rows
        return
    stmt = select(*cols).order_by(table.c.seq)
    if lo is not None:
        stmt = stmt.where(table.c.seq >= lo)
    if hi is not None:
        stmt = stmt.where(table.c.seq <= hi)
    # Per statement: Connection.execution_options() would change the caller's connection.
    yield from conn.execute(stmt.execution_options(yield_per=batch_size)).partitions()


def _walk(
    conn: Connection,
    table: Table,
    lo: int | None,
    hi: int | None,
    mac_key: bytes | None,
    checkpoints: dict[int, list[_Cp]],
    batch_size: int,
) -> _Chunk:
    """Check every row of ``table`` with ``lo <= seq <= hi`` (None: unbounded), in seq order.

    Links are checked inside the range; the link into its first row is checked by the caller
    when it stitches the chunks together (:func:`_stitch`).
    """
    out = _Chunk()
    # chain.record_hash, inlined: this loop runs once per record of the whole trail.
    dumps, fromhex, epoch, micro, fmt = (
        chain._dumps,
        bytes.fromhex,
        chain._EPOCH,
        chain._MICROSECOND,
        chain.FORMAT,
    )
    last_seq, expected_prev, prev_bad = 0, "", False
    for part in _batches(conn, table, lo, hi, batch_size):
        for row in part:
            seq, prev_hash, stored_hash, stored_mac = row[0], row[16], row[17], row[18]
            try:
                items = [fmt, *row[:16]]
                items[2] = (items[2] - epoch) // micro
                digest: str | None = sm3(fromhex(prev_hash) + dumps(items).encode()).hex()
            except (TypeError, ValueError, AttributeError):
                digest = None
            bad = False
            if digest != stored_hash:
                out.add(Problem("altered", seq))
                bad = True
            elif (
                mac_key is not None
                and hmac_sm3(mac_key, bytes.fromhex(stored_hash)).hex() != stored_mac
            ):
                out.add(Problem("forged", seq))
                bad = True
            if out.count == 0:
                out.first_seq, out.first_prev, out.first_bad = seq, prev_hash, bad
            elif seq > last_seq + 1:
                out.add(Problem("deleted", last_seq + 1, seq - 1))
            elif prev_hash != expected_prev and not bad and not prev_bad:
                out.add(Problem("relinked", seq))
            # (seq order within one table is strict: its primary key has no duplicates)
            for cp in checkpoints.get(seq, ()):
                out.seen_checkpoints.add(cp.id)
                if cp.head_hash != stored_hash:
                    out.add(
                        Problem("checkpoint_mismatch", seq, checkpoint_id=cp.id, time=cp.signed_at)
                    )
            out.count += 1
            last_seq, expected_prev, prev_bad = seq, stored_hash, bad
    out.last_seq, out.last_hash, out.last_bad = last_seq, expected_prev, prev_bad
    return out


@dataclass
class _Stitch:
    last_seq: int = 0
    expected_prev: str = GENESIS_HASH
    prev_bad: bool = False
    seen_checkpoints: set[str] = field(default_factory=set)


def _stitch(report: VerifyReport, state: _Stitch, chunk: _Chunk) -> None:
    """Append ``chunk`` to the chain walked so far: check the link into its first row."""
    if chunk.count == 0:
        return
    s = chunk.first_seq
    if s <= state.last_seq:
        # A position met twice (archive and live): the second copy was inserted.
        report.add(Problem("inserted", s))
    elif s > state.last_seq + 1:
        report.add(Problem("deleted", state.last_seq + 1, s - 1))
    elif chunk.first_prev != state.expected_prev and not chunk.first_bad and not state.prev_bad:
        report.add(Problem("relinked", s))
    for problem in chunk.problems:
        report.add(problem)
    report.more_problems += chunk.more_problems
    state.seen_checkpoints |= chunk.seen_checkpoints
    if chunk.last_seq > state.last_seq:
        state.last_seq, state.expected_prev = chunk.last_seq, chunk.last_hash
        state.prev_bad = chunk.last_bad


def _walk_job(
    url: str,
    snapshot: str,
    table_name: str,
    lo: int,
    hi: int,
    check_mac: bool,
    checkpoints: dict[int, list[_Cp]],
    batch_size: int,
    signed: list[_SignedCp],
    key_pems: dict[str, str],
) -> _Chunk:
    """One worker process: one seq range in the coordinator's snapshot (a PostgreSQL exported
    snapshot), plus its share of the checkpoint signatures."""
    from sqlalchemy import create_engine, pool

    engine = create_engine(url, poolclass=pool.NullPool)
    table = _archive if table_name == _archive.name else _live
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with conn.begin():
                # A utility statement takes no parameters; the id is PostgreSQL's own output.
                if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
                    raise ValueError("unexpected snapshot id")
                conn.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
                chunk = _walk(
                    conn,
                    table,
                    lo,
                    hi,
                    chain.record_mac_key() if check_mac else None,
                    checkpoints,
                    batch_size,
                )
    finally:
        engine.dispose()
    keys = {fp: SM2PublicKey.from_pem(pem.encode()) for fp, pem in key_pems.items()}
    chunk.signature_problems = _check_signatures(signed, keys)
    return chunk


def _ranges(conn: Connection, parts: int) -> list[tuple[Table, int, int]]:
    """Split archive then live into about ``parts`` seq ranges of similar size, in order."""
    spans = []
    for table in (_archive, _live):
        lo, hi = conn.execute(select(func.min(table.c.seq), func.max(table.c.seq))).one()
        if lo is not None:
            spans.append((table, int(lo), int(hi)))
    total = sum(hi - lo + 1 for _, lo, hi in spans) or 1
    out = []
    for table, lo, hi in spans:
        n = max(1, round(parts * (hi - lo + 1) / total))
        step = -(-(hi - lo + 1) // n)
        out += [(table, a, min(hi, a + step - 1)) for a in range(lo, hi + 1, step)]
    return out


def _trusted_keys(
    conn: Connection, pinned: list[SM2PublicKey] | None, check_mac: bool
) -> dict[str, SM2PublicKey]:
    if pinned is not None:
        return {chain.fingerprint_of(k): k for k in pinned}
    keys: dict[str, SM2PublicKey] = {}
    for row in conn.execute(select(AuditSigningKey.__table__)).mappings():
        if check_mac and not chain.key_row_trusted(
            row["fingerprint"], row["public_key_pem"], row["wrapped_private_key"], row["tag"]
        ):
            continue
        try:
            keys[row["fingerprint"]] = SM2PublicKey.from_pem(row["public_key_pem"].encode())
        except CryptoError:
            continue
    return keys


def _check_signatures(cps: list[Any], keys: dict[str, SM2PublicKey]) -> list[Problem]:
    problems = []
    for cp in cps:
        key = keys.get(cp.signer_fingerprint)
        if key is None:
            problems.append(
                Problem("checkpoint_key", cp.seq, checkpoint_id=cp.id, time=cp.signed_at)
            )
            continue
        try:
            sig = base64.b64decode(cp.signature, validate=True)
        except ValueError:
            sig = b""
        message = chain.checkpoint_message(cp.seq, cp.head_hash, cp.signed_at)
        if not key.is_valid_signature(sig, message):
            problems.append(
                Problem("checkpoint_signature", cp.seq, checkpoint_id=cp.id, time=cp.signed_at)
            )
    return problems


def _run(
    conn: Connection,
    report: VerifyReport,
    *,
    pinned: list[SM2PublicKey] | None,
    check_mac: bool,
    batch_size: int,
    workers: int,
    url: str | None,
    min_parallel: int = PARALLEL_MIN_RECORDS,
) -> None:
    cps = list(
        conn.execute(
            select(AuditCheckpoint.__table__).order_by(
                AuditCheckpoint.seq, AuditCheckpoint.signed_at
            )
        )
    )
    report.checkpoints = len(cps)
    keys = _trusted_keys(conn, pinned, check_mac)
    by_seq: dict[int, list[_Cp]] = defaultdict(list)
    for cp in cps:
        by_seq[cp.seq].append(_Cp(cp.id, cp.seq, cp.head_hash, cp.signed_at))

    ranges = _ranges(conn, workers * 4) if workers > 1 and url else []
    if sum(hi - lo + 1 for _, lo, hi in ranges) < min_parallel:
        ranges = []
    state = _Stitch()

    def add(table: Table, chunk: _Chunk) -> None:
        report.records += chunk.count
        if table is _archive:
            report.archived += chunk.count
        _stitch(report, state, chunk)

    if ranges and url:
        # PostgreSQL: worker processes walk seq ranges in this transaction's snapshot and share
        # the SM2 signature checks (about 1 ms each, tens of thousands a year).
        snapshot = str(conn.scalar(text("SELECT pg_export_snapshot()")))
        signed = [
            _SignedCp(
                cp.id, cp.seq, cp.head_hash, cp.signed_at, cp.signature, cp.signer_fingerprint
            )
            for cp in cps
        ]
        pems = {fp: key.to_pem().decode() for fp, key in keys.items()}
        signature_problems: list[Problem] = []
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as procs:
            futures = [
                procs.submit(
                    _walk_job,
                    url,
                    snapshot,
                    table.name,
                    lo,
                    hi,
                    check_mac,
                    {k: v for k, v in by_seq.items() if lo <= k <= hi},
                    batch_size,
                    signed[i :: len(ranges)],
                    pems,
                )
                for i, (table, lo, hi) in enumerate(ranges)
            ]
            for (table, _, _), future in zip(ranges, futures, strict=True):
                chunk = future.result()
                add(table, chunk)
                signature_problems += chunk.signature_problems
        for problem in sorted(signature_problems, key=lambda p: p.seq or 0):
            report.add(problem)
    else:
        # In-process: the signature checks run in a thread beside the walk (their C part
        # releases the GIL).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-verify") as pool:
            signatures = pool.submit(_check_signatures, cps, keys)
            mac_key = chain.record_mac_key() if check_mac else None
            for table in (_archive, _live):
                add(table, _walk(conn, table, None, None, mac_key, by_seq, batch_size))
            for problem in signatures.result():
                report.add(problem)
    report.last_seq = state.last_seq

    for cp in cps:
        if cp.id not in state.seen_checkpoints:
            # Signed once, gone now: the records up to cp.seq were removed.
            report.add(
                Problem("checkpoint_missing_record", cp.seq, checkpoint_id=cp.id, time=cp.signed_at)
            )

    head = conn.execute(
        select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == HEAD_ID)
    ).one_or_none()
    if head is None:
        if report.records:
            report.add(Problem("head_missing"))
        return
    head_seq, head_hash = int(head[0]), str(head[1])
    if head_seq > state.last_seq:
        report.add(Problem("tail_deleted", state.last_seq + 1, head_seq))
    elif head_seq < state.last_seq:
        report.add(Problem("inserted", head_seq + 1, state.last_seq))
    elif head_hash != state.expected_prev:
        report.add(Problem("head_mismatch", head_seq))


def verify(
    *,
    bind: Engine | Connection | None = None,
    public_keys: list[SM2PublicKey] | None = None,
    check_mac: bool = True,
    batch_size: int = 10_000,
    workers: int | None = None,
) -> VerifyReport:
    """Check every record, link, checkpoint signature and the head; never writes.

    ``public_keys`` pins the checkpoint keys (an auditor's exported copy) instead of trusting
    the key table. ``check_mac=False`` verifies without the master key (hash chain and
    signatures only; a forger who recomputes hashes is then caught only by checkpoints).
    ``bind`` defaults to a fresh connection with its own snapshot. On PostgreSQL, chains of
    200,000 records or more are walked by worker processes (the CPU count, at most 4) sharing
    that snapshot; an explicit ``workers`` applies at any size. A given ``Connection`` is always
    walked in-process.
    """
    report = VerifyReport(started_at=utcnow())
    start = time.perf_counter()
    target = bind if bind is not None else get_engine()
    if isinstance(target, Connection):
        _run(
            target,
            report,
            pinned=public_keys,
            check_mac=check_mac,
            batch_size=batch_size,
            workers=1,
            url=None,
        )
    else:
        pg = target.dialect.name == "postgresql"
        n = workers if workers is not None else min(4, os.cpu_count() or 1)
        url = target.url.render_as_string(hide_password=False) if pg else None
        with target.connect() as conn:
            if pg:
                conn = conn.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            with conn.begin():
                _run(
                    conn,
                    report,
                    pinned=public_keys,
                    check_mac=check_mac,
                    batch_size=batch_size,
                    workers=n,
                    url=url,
                    min_parallel=PARALLEL_MIN_RECORDS if workers is None else 0,
                )
    report.finished_at = utcnow()
    report.seconds = time.perf_counter() - start
    return report
