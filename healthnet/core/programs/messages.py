"""Messages of the program engine (Chinese first, English second)."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "programs.program_not_found": ("项目“{program}”不存在", "No program {program}"),
    "programs.enrolment_not_found": ("登记记录不存在", "Enrolment not found"),
    "programs.event_not_found": ("随访/事件记录不存在", "Event not found"),
    "programs.transfer_not_found": ("转移申请不存在", "Transfer request not found"),
    "programs.already_enrolled": (
        "该居民已在“{program}”中登记且尚未结案，不能重复登记（登记号 {enrolment_id}）",
        "The person already has an open enrolment in {program}",
    ),
    "programs.restricted_program": (
        "“{program}”为受限（敏感）项目，您没有查看和登记的权限",
        "{program} is restricted; you are not cleared for it",
    ),
    "programs.enrolment_closed": (
        "该登记已处于“{state}”状态，不能再录入或修改",
        "The enrolment is closed ({state})",
    ),
    "programs.stage_unknown": ("项目没有阶段“{stage}”", "No stage {stage} in the program"),
    "programs.stage_not_repeatable": (
        "阶段“{stage}”不可重复，已经录入过",
        "Stage {stage} is not repeatable and was already recorded",
    ),
    "programs.event_not_scheduled": (
        "该事件不是待随访状态，不能跳过",
        "Only a scheduled event can be skipped",
    ),
    "programs.value_unknown_element": ("表单中没有数据元“{element}”", "No element {element}"),
    "programs.value_required": ("“{name}”为必填项", "{name} is required"),
    "programs.value_text": ("“{name}”应为文本", "{name} must be text"),
    "programs.value_too_long": (
        "“{name}”不能超过 {max} 个字符",
        "{name} is longer than {max} characters",
    ),
    "programs.value_integer": ("“{name}”应为整数", "{name} must be an integer"),
    "programs.value_number": ("“{name}”应为数字", "{name} must be a number"),
    "programs.value_below_min": (
        "“{name}”不能小于 {min}{unit}（超出合理范围）",
        "{name} is below the plausible minimum {min}{unit}",
    ),
    "programs.value_above_max": (
        "“{name}”不能大于 {max}{unit}（超出合理范围）",
        "{name} is above the plausible maximum {max}{unit}",
    ),
    "programs.value_date": (
        "“{name}”应为日期，格式 YYYY-MM-DD",
        "{name} must be a date (YYYY-MM-DD)",
    ),
    "programs.value_future_date": ("“{name}”不能晚于今天", "{name} cannot be in the future"),
    "programs.value_boolean": ("“{name}”应为是/否", "{name} must be true or false"),
    "programs.value_option": (
        "“{name}”的取值“{value}”不在选项集“{option_set}”中",
        "{name}: {value} is not an option of {option_set}",
    ),
    "programs.value_options": ("“{name}”应为选项列表", "{name} must be a list of options"),
    "programs.value_icd_prefix": (
        "“{name}”应为 {prefixes} 范围内的 ICD-10 编码，“{value}”不在范围内",
        "{name} must be an ICD-10 code in {prefixes}",
    ),
    "programs.value_icd": ("“{name}”应为 ICD-10 编码", "{name} must be an ICD-10 code"),
    "programs.value_organisation": (
        "“{name}”指向的机构不存在",
        "{name} names an unknown institution",
    ),
    "programs.value_coordinate": (
        "“{name}”应为坐标 [经度, 纬度]，经度 -180～180，纬度 -90～90",
        "{name} must be [longitude, latitude]",
    ),
    "programs.rule_error": ("{message}", "{message}"),
    "programs.transition_unknown": (
        "工作流中没有操作“{transition}”",
        "No transition {transition} in the workflow",
    ),
    "programs.transition_not_from_state": (
        "当前状态“{state}”下不能执行“{transition}”",
        "{transition} is not possible in state {state}",
    ),
    "programs.transition_role": (
        "您的角色不能执行“{transition}”（允许的角色：{roles}）",
        "Your role may not perform {transition}",
    ),
    "programs.transition_note_required": ("执行“{transition}”必须填写说明", "A note is required"),
    "programs.transfer_same_org": (
        "转入机构与当前管理机构相同",
        "The receiving institution is the current one",
    ),
    "programs.transfer_pending": (
        "该登记已有待处理的转移申请",
        "A transfer of this enrolment is already pending",
    ),
    "programs.transfer_decided": ("该转移申请已处理", "The transfer request was already decided"),
    "programs.org_unit_required": (
        "请指定管理机构（当前账号不属于任何机构）",
        "An institution is required",
    ),
    "programs.org_unit_unknown": ("管理机构不存在或不在您的数据范围内", "Unknown institution"),
    "programs.assigned_user_unknown": ("责任医生账号不存在", "Unknown responsible user"),
    "programs.person_not_active": ("居民记录已被合并，请使用合并后的记录", "The person was merged"),
    "programs.metadata_invalid": (
        "项目定义有误（{count} 处）：{first}",
        "The program file has {count} problems: {first}",
    ),
    "programs.enrolled_on_future": ("登记日期不能晚于今天", "The enrolment date is in the future"),
    "programs.event_on_future": ("随访日期不能晚于今天", "The event date is in the future"),
    "programs.event_before_enrolment": (
        "随访日期不能早于登记日期",
        "The event date is before the enrolment date",
    ),
    "programs.notify_rule_title": ("{program}：{message}", "{program}: {message}"),
    # the work list's to-do line
    "programs.todo_overdue": ("逾期未随访 {count} 人次", "{count} follow-ups overdue"),
    "programs.todo_transfers": ("待接收的转入申请 {count} 件", "{count} transfers to accept"),
    # SM2 signatures on transitions marked ``sign`` (e.g. the confirmed certificate of death)
    "programs.enrolment_signed": (
        "该记录已于“{transition}”时电子签名，不能直接修改；如需更正，请先执行“{correct}”",
        "The record was signed on {transition}; run {correct} before changing it",
    ),
    "programs.enrolment_signed_no_correction": (
        "该记录已于“{transition}”时电子签名，不能修改",
        "The record was signed on {transition} and cannot be changed",
    ),
    "programs.signing_certificate_required": (
        "“{transition}”需要电子签名：您没有有效的签名证书，请联系安全管理员签发签名证书",
        "{transition} is signed: you hold no valid signing certificate",
    ),
    "programs.signing_permission": (
        "“{transition}”需要电子签名，您的角色没有“使用本人证书对文档电子签名”权限",
        "{transition} is signed: your roles may not sign documents",
    ),
    "programs.signature_values_changed": (
        "签名后记录内容已被修改，签名无效",
        "The record was changed after it was signed",
    ),
    "programs.signature_signer_mismatch": (
        "签名证书不属于记录的签名人，签名无效",
        "The signing certificate does not belong to the recorded signer",
    ),
    "programs.signature_valid": ("签名有效，记录自签名后未被修改", "The signature is valid"),
    # indicators (statistics)
    "programs.indicator_unknown": ("项目没有指标“{indicator}”", "No indicator {indicator}"),
    "programs.indicator_period_month": (
        "期间“{value}”不是有效的月份，应为 2026-03 这样的格式",
        "{value} is not a month such as 2026-03",
    ),
    "programs.indicator_period_quarter": (
        "期间“{value}”不是有效的季度，应为 2026Q1 这样的格式",
        "{value} is not a quarter such as 2026Q1",
    ),
    "programs.indicator_period_year": (
        "期间“{value}”不是有效的年份，应为 2026 这样的格式",
        "{value} is not a year such as 2026",
    ),
    "programs.indicator_range_reversed": (
        "起始期间不能晚于结束期间",
        "The first period is after the last one",
    ),
    "programs.indicator_range_too_long": (
        "趋势最多 {limit} 个期间，请缩短起止范围",
        "At most {limit} periods in a trend",
    ),
}
register(MESSAGES)
