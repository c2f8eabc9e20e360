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
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, select

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
from healthnet.core.crypto import CryptoError, SM2PublicKey, hmac_sm3
from healthnet.core.db import get_engine, utcnow
from healthnet.core.i18n import t

CHAIN_KINDS = ("altered", "forged", "deleted", "inserted", "relinked", "tail_deleted",
               "head_mismatch", "head_missing")
MAX_PROBLEMS = 100


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
        return {"kind": self.kind, "seq": self.seq, "last": self.last,
                "checkpointId": self.checkpoint_id, "message": self.message}


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
            return [t("audit.verify.ok", records=self.records, archived=self.archived,
                      checkpoints=self.checkpoints, last_seq=self.last_seq,
                      seconds=f"{self.seconds:.1f}")]
        out = [t("audit.verify.failed", count=len(self.problems) + self.more_problems,
                 records=self.records, checkpoints=self.checkpoints)]
        if self.first_bad_seq is not None:
            out.append(t("audit.verify.first", seq=self.first_bad_seq))
        out += [f"  - {p.message}" for p in self.problems]
        if self.more_problems:
            out.append(f"  …… 另有 {self.more_problems} 个问题未列出")
        return out


_live: Table = AuditRecord.__table__  # type: ignore[assignment]
_archive: Table = AuditRecordArchive.__table__  # type: ignore[assignment]
_head: Table = AuditChainHead.__table__  # type: ignore[assignment]


class _Walker:
    def __init__(self, report: VerifyReport, mac_key: bytes | None,
                 checkpoints: dict[int, list[Any]]) -> None:
        self.report = report
        self.mac_key = mac_key
        self.checkpoints = checkpoints
        self.last_seq = 0
        self.expected_prev = GENESIS_HASH
        self.prev_bad = False
        self.seen_checkpoints: set[str] = set()

    def walk(self, conn: Connection, table: Table, batch_size: int) -> int:
        cols = [table.c[f] for f in chain.FIELDS]
        cols += [table.c.prev_hash, table.c.hash, table.c.mac]
        # Per statement: Connection.execution_options() would change the caller's connection.
        result = conn.execute(
            select(*cols).order_by(table.c.seq).execution_options(yield_per=batch_size)
        )
        n = 0
        report, mac_key, checkpoints = self.report, self.mac_key, self.checkpoints
        record_hash = chain.record_hash
        for part in result.partitions():
            for row in part:
                n += 1
                seq, prev_hash, stored_hash, stored_mac = row[0], row[16], row[17], row[18]
                try:
                    digest: str | None = record_hash(prev_hash, row[:16])
                except (TypeError, ValueError, AttributeError):
                    digest = None
                bad = False
                if digest != stored_hash:
                    report.add(Problem("altered", seq))
                    bad = True
                elif mac_key is not None and hmac_sm3(
                    mac_key, bytes.fromhex(stored_hash)
                ).hex() != stored_mac:
                    report.add(Problem("forged", seq))
                    bad = True
                if seq <= self.last_seq:
                    report.add(Problem("inserted", seq))
                    continue  # a duplicate does not move the chain forward
                if seq > self.last_seq + 1:
                    report.add(Problem("deleted", self.last_seq + 1, seq - 1))
                elif prev_hash != self.expected_prev and not bad and not self.prev_bad:
                    report.add(Problem("relinked", seq))
                if seq in checkpoints:
                    for cp in checkpoints[seq]:
                        self.seen_checkpoints.add(cp.id)
                        if cp.head_hash != stored_hash:
                            report.add(Problem("checkpoint_mismatch", seq, checkpoint_id=cp.id,
                                               time=cp.signed_at))
                self.last_seq = seq
                self.expected_prev = stored_hash
                self.prev_bad = bad
        return n


def _trusted_keys(
    conn: Connection, pinned: list[SM2PublicKey] | None, check_mac: bool
) -> dict[str, SM2PublicKey]:
    if pinned is not None:
        return {chain.fingerprint_of(k): k for k in pinned}
    keys: dict[str, SM2PublicKey] = {}
    for row in conn.execute(select(AuditSigningKey.__table__)).mappings():
        if check_mac and not chain.key_row_trusted(row["fingerprint"], row["public_key_pem"],
                                                   row["wrapped_private_key"], row["tag"]):
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
            problems.append(Problem("checkpoint_key", cp.seq, checkpoint_id=cp.id,
                                    time=cp.signed_at))
            continue
        try:
            sig = base64.b64decode(cp.signature, validate=True)
        except ValueError:
            sig = b""
        message = chain.checkpoint_message(cp.seq, cp.head_hash, cp.signed_at)
        if not key.is_valid_signature(sig, message):
            problems.append(Problem("checkpoint_signature", cp.seq, checkpoint_id=cp.id,
                                    time=cp.signed_at))
    return problems


def _run(conn: Connection, report: VerifyReport, *, pinned: list[SM2PublicKey] | None,
         check_mac: bool, batch_size: int) -> None:
    cps = list(conn.execute(select(AuditCheckpoint.__table__)
                            .order_by(AuditCheckpoint.seq, AuditCheckpoint.signed_at)))
    report.checkpoints = len(cps)
    keys = _trusted_keys(conn, pinned, check_mac)
    by_seq: dict[int, list[Any]] = defaultdict(list)
    for cp in cps:
        by_seq[cp.seq].append(cp)

    # SM2 verification (about 1 ms each, tens of thousands a year) runs beside the walk: its C
    # part releases the GIL, so the two share the machine's cores.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-verify") as pool:
        signatures = pool.submit(_check_signatures, cps, keys)
        walker = _Walker(report, chain.record_mac_key() if check_mac else None, by_seq)
        report.archived = walker.walk(conn, _archive, batch_size)
        report.records = report.archived + walker.walk(conn, _live, batch_size)
        report.last_seq = walker.last_seq
        for problem in signatures.result():
            report.add(problem)

    for cp in cps:
        if cp.id not in walker.seen_checkpoints:
            # Signed once, gone now: the records up to cp.seq were removed.
            report.add(Problem("checkpoint_missing_record", cp.seq, checkpoint_id=cp.id,
                               time=cp.signed_at))

    head = conn.execute(select(_head.c.last_seq, _head.c.last_hash)
                        .where(_head.c.id == HEAD_ID)).one_or_none()
    if head is None:
        if report.records:
            report.add(Problem("head_missing"))
        return
    head_seq, head_hash = int(head[0]), str(head[1])
    if head_seq > walker.last_seq:
        report.add(Problem("tail_deleted", walker.last_seq + 1, head_seq))
    elif head_seq < walker.last_seq:
        report.add(Problem("inserted", head_seq + 1, walker.last_seq))
    elif head_hash != walker.expected_prev:
        report.add(Problem("head_mismatch", head_seq))


def verify(
    *,
    bind: Engine | Connection | None = None,
    public_keys: list[SM2PublicKey] | None = None,
    check_mac: bool = True,
    batch_size: int = 10_000,
) -> VerifyReport:
    """Check every record, link, checkpoint signature and the head; never writes.

    ``public_keys`` pins the checkpoint keys (an auditor's exported copy) instead of trusting
    the key table. ``check_mac=False`` verifies without the master key (hash chain and
    signatures only; a forger who recomputes hashes is then caught only by checkpoints).
    ``bind`` defaults to a fresh connection with its own snapshot.
    """
    report = VerifyReport(started_at=utcnow())
    start = time.perf_counter()
    target = bind if bind is not None else get_engine()
    if isinstance(target, Connection):
        _run(target, report, pinned=public_keys, check_mac=check_mac, batch_size=batch_size)
    else:
        opts: dict[str, Any] = {}
        if target.dialect.name == "postgresql":
            opts = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        with target.connect() as conn:
            conn = conn.execution_options(**opts) if opts else conn
            with conn.begin():
                _run(conn, report, pinned=public_keys, check_mac=check_mac,
                     batch_size=batch_size)
    report.finished_at = utcnow()
    report.seconds = time.perf_counter() - start
    return report
