from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "audit.unavailable": (
        "审计日志暂时无法写入，为保证每次访问都有记录，本次操作已取消，请稍后重试",
        "The audit log cannot be written; the request was refused rather than left unaudited",
    ),
    "audit.record_not_found": ("审计记录不存在", "Audit record not found"),
    "audit.export_too_large": (
        "导出记录过多（{count} 条，上限 {limit} 条），请缩小时间范围或增加筛选条件",
        "Too many records to export ({count}, limit {limit}); narrow the filters",
    ),
    "audit.time_range_invalid": ("开始时间不能晚于结束时间", "The start is after the end"),
    "audit.action_invalid": (
        "操作代码格式不正确，应为小写英文点分格式，例如 patients.person.read，"
        "可用 * 结尾做前缀匹配",
        "Action codes look like patients.person.read; end with * to match a prefix",
    ),
    "audit.no_verification": ("尚未进行过审计链校验", "The audit chain has not been verified yet"),
    # Outcomes and purposes of use (HL7 v3 PurposeOfUse where one fits), for lists and exports.
    "audit.outcome.success": ("成功", "Success"),
    "audit.outcome.failure": ("失败", "Failure"),
    "audit.outcome.denied": ("拒绝", "Denied"),
    "audit.purpose.TREAT": ("诊疗", "Treatment"),
    "audit.purpose.EMERGENCY": ("紧急救治（破窗访问）", "Emergency treatment (break the glass)"),
    "audit.purpose.COC": ("连续照护/转诊", "Coordination of care"),
    "audit.purpose.PATRQT": ("本人查询", "Patient request"),
    "audit.purpose.PUBHLTH": ("公共卫生", "Public health"),
    "audit.purpose.HQUALIMP": ("医疗质量控制", "Quality improvement"),
    "audit.purpose.HOPERAT": ("医疗管理与运营", "Healthcare operations"),
    "audit.purpose.HRESCH": ("科研", "Research"),
    "audit.purpose.ADMIN": ("系统管理", "System administration"),
    "audit.purpose.AUDIT": ("安全审计", "Audit"),
    # Verification report (command line and API).
    "audit.verify.ok": (
        "审计链校验通过：共 {records} 条记录（其中归档 {archived} 条），"
        "{checkpoints} 个签名检查点，最后序号 {last_seq}，用时 {seconds} 秒",
        "Audit chain verified: {records} records ({archived} archived), {checkpoints} signed "
        "checkpoints, last seq {last_seq}, {seconds} s",
    ),
    "audit.verify.failed": (
        "审计链校验失败：发现 {count} 个问题（共检查 {records} 条记录，{checkpoints} 个检查点）",
        "Audit chain verification FAILED: {count} problem(s) in {records} records and "
        "{checkpoints} checkpoints",
    ),
    "audit.verify.first": ("最先出问题的记录：序号 {seq}", "First bad record: seq {seq}"),
    "audit.problem.altered": (
        "第 {seq} 条记录被篡改：内容与其哈希值不符",
        "Record {seq} was altered: its content no longer matches its hash",
    ),
    "audit.problem.forged": (
        "第 {seq} 条记录是伪造的：哈希值被重新计算或记录被插入，但缺少本系统的完整性校验码",
        "Record {seq} is forged: altered with a recomputed hash, or inserted",
    ),
    "audit.problem.deleted": (
        "第 {seq} 至 {last} 条记录被删除（序号不连续）",
        "Records {seq} to {last} were deleted (gap in the sequence)",
    ),
    "audit.problem.inserted": (
        "第 {seq} 条记录是插入的（序号重复或超出链头）",
        "Record {seq} was inserted (duplicate or beyond the chain head)",
    ),
    "audit.problem.relinked": (
        "第 {seq} 条记录与前一条记录的链接断开（前一条记录被替换或本条被移动）",
        "Record {seq} does not link to the record before it (replaced or moved)",
    ),
    "audit.problem.tail_deleted": (
        "链尾的第 {seq} 至 {last} 条记录被删除（链头记录到 {last}）",
        "Records {seq} to {last} at the end of the chain were deleted",
    ),
    "audit.problem.head_mismatch": (
        "链头与最后一条记录（序号 {seq}）不一致",
        "The chain head does not match the last record (seq {seq})",
    ),
    "audit.problem.head_missing": (
        "链头记录缺失，但审计表中仍有记录",
        "The chain head row is missing while records exist",
    ),
    "audit.problem.checkpoint_signature": (
        "检查点（序号 {seq}，{time}）的 SM2 签名无效",
        "Checkpoint at seq {seq} ({time}) has an invalid SM2 signature",
    ),
    "audit.problem.checkpoint_key": (
        "检查点（序号 {seq}）的签名公钥不可信（未知、被改动或不是指定的公钥）",
        "Checkpoint at seq {seq} was signed by an untrusted key",
    ),
    "audit.problem.checkpoint_mismatch": (
        "检查点（序号 {seq}）记录的链头哈希与第 {seq} 条记录不符，说明该记录或之前的记录被改动",
        "Checkpoint at seq {seq} does not match record {seq}: the chain was rewritten",
    ),
    "audit.problem.checkpoint_missing_record": (
        "检查点覆盖到第 {seq} 条记录，但该记录已不存在（被删除）",
        "Checkpoint covers seq {seq} but that record no longer exists (deleted)",
    ),
    # Command line.
    "audit.cli.checkpoint_done": (
        "已签名检查点：序号 {seq}，链头哈希 {hash}",
        "Signed checkpoint at seq {seq}, head {hash}",
    ),
    "audit.cli.checkpoint_skipped": (
        "自上个检查点以来没有新的审计记录，未生成新检查点",
        "No new records since the last checkpoint",
    ),
    "audit.cli.archive_done": (
        "已归档 {count} 条记录（序号不大于 {seq}）",
        "Archived {count} records (seq up to {seq})",
    ),
    "audit.cli.archive_nothing": ("没有需要归档的记录", "Nothing to archive"),
    # to-do items of the home page
    "audit.todo.chain_failed": (
        "最近一次审计链完整性校验未通过，请立即核查",
        "The last audit chain verification failed; investigate now",
    ),
    "audit.todo.chain_unverified": (
        "审计链已超过 24 小时未校验完整性",
        "The audit chain has not been verified for over 24 hours",
    ),
}
register(MESSAGES)
