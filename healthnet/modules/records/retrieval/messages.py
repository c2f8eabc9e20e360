"""Messages of record retrieval (调阅): stable codes → (zh-CN, en).

Never repeat a name, an ID number or a reason text back: messages end up in screenshots.
"""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    # One answer for "no such resident" and "no right to read this resident's record", like the
    # patient index's "not found or outside your scope": it does not reveal that someone exists.
    "records.no_access": (
        "未找到该居民，或该居民不在您的数据范围内且与本机构无诊疗关系；"
        "如确需调阅（如抢救），请填写理由进行紧急调阅（破窗），该操作将被记录并接受审核",
        "Resident not found, or outside your data scope with no care relationship to your "
        "institution; if you must read the record (e.g. an emergency), give a reason for "
        "emergency access — it is recorded and reviewed",
    ),
    "records.break_glass_reason_short": (
        "紧急调阅理由至少 {min} 个字",
        "The emergency access reason needs at least {min} characters",
    ),
    "records.purpose_unknown": ("调阅目的不正确", "Unknown purpose of use"),
    "records.kinds_unknown": (
        "记录类型只能是 encounter、diagnosis、medication、lab、exam、document、immunization",
        "Kinds must be encounter, diagnosis, medication, lab, exam, document, immunization",
    ),
    "records.cursor_invalid": ("分页游标无效，请从第一页重新查询", "Invalid page cursor"),
    "records.range_invalid": ("开始时间不能晚于结束时间", "'from' must not be after 'to'"),
    "records.document_not_found": ("未找到该文书", "Document not found"),
    "records.withheld": ("该记录已按居民意愿隐藏", "Hidden at the resident's request"),
    "records.not_a_resident": (
        "仅居民本人账号可查看本人健康档案",
        "Only a resident's own account can open this page",
    ),
    "records.category_unknown": ("隐私类别不正确", "Unknown privacy category"),
    "records.consent_integrity_violation": (
        "您的隐私设置校验失败（可能被篡改），已按“隐藏”处理，暂不能修改，请联系管理员",
        "Your privacy settings failed their integrity check; they count as hidden and cannot "
        "be changed until an administrator has checked them",
    ),
    "records.break_glass_not_found": ("未找到该紧急调阅记录", "Emergency access not found"),
    "records.break_glass_reviewed": (
        "该紧急调阅已审核，不能重复审核",
        "This emergency access was already reviewed",
    ),
    "records.review_note_required": (
        "提出疑问时请填写审核意见",
        "A note is required when questioning an access",
    ),
    # The menu group of the records module (registered here: the retrieval pages are its menu).
    "menu.group.records": ("健康档案", "Health records"),
    "records.todo.break_glass_pending": ("待审核的紧急调阅", "Emergency accesses to review"),
    "menu.records.search": ("健康档案调阅", "Record retrieval"),
    "menu.records.break_glass": ("紧急调阅审核", "Emergency access review"),
    # Kinds of audit actions shown to residents in "who looked at my record".
    "records.action.view": ("调阅健康档案", "Viewed the health record"),
    "records.action.break_glass": ("紧急调阅（破窗）", "Emergency access (break the glass)"),
    "records.action.person": ("查看基本信息", "Viewed personal details"),
    "records.action.search": ("按证件查找", "Looked up by identifier"),
    "records.action.change": ("修改档案信息", "Changed the record"),
    "records.action.other": ("其他访问", "Other access"),
    # Purposes of use.
    "records.purpose.treatment": ("诊疗", "Treatment"),
    "records.purpose.emergency": ("急救", "Emergency"),
    "records.purpose.referral": ("转诊", "Referral"),
    "records.purpose.public_health": ("公共卫生", "Public health"),
    "records.purpose.quality_control": ("质控", "Quality control"),
    "records.purpose.self": ("本人查询", "Own request"),
    "records.purpose.other": ("其他", "Other"),
    # Sensitivity categories a resident may hide (records/sensitivity.py CATEGORIES).
    "records.category.mental": ("精神心理", "Mental health"),
    "records.category.hiv": ("艾滋病", "HIV"),
    "records.category.reproductive": ("生殖健康", "Reproductive health"),
}

register(MESSAGES)
