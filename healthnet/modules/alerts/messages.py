"""Messages of the duplicate-order prompts (智能提示)."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "slice.alerts": ("智能提示", "Duplicate-order prompts"),
    "menu.group.alerts": ("智能提示", "Prompts"),
    "menu.alerts.trial": ("提示试算", "Try a check"),
    "menu.alerts.rules": ("提示规则", "Prompt rules"),
    "menu.alerts.statistics": ("提示统计", "Prompt statistics"),
    # prompts: the text a doctor reads
    "alerts.prompt.drug_ingredient": (
        "患者于{date}在{institution}开具{earlier}，余量约{days}天，与本次{new}重复（同成分）",
        "On {date} {institution} prescribed {earlier}, about {days} days left; "
        "duplicates {new} (same ingredient)",
    ),
    "alerts.prompt.drug_class": (
        "患者于{date}在{institution}开具{earlier}，余量约{days}天，与本次{new}同属{klass}，"
        "疑似重复用药（同类药物）",
        "On {date} {institution} prescribed {earlier}, about {days} days left; "
        "{new} is in the same class ({klass})",
    ),
    "alerts.prompt.lab_repeat": (
        "患者于{date}在{institution}已检验{earlier}（结果：{result}），"
        "本次{new}在{window}天内重复开具",
        "{earlier} was done on {date} at {institution} (result: {result}); "
        "{new} repeats it within {window} days",
    ),
    "alerts.prompt.exam_repeat": (
        "患者于{date}在{institution}已做{earlier}（结论：{result}），"
        "本次{new}在{window}天内重复开具",
        "{earlier} was done on {date} at {institution} (conclusion: {result}); "
        "{new} repeats it within {window} days",
    ),
    "alerts.prompt.within_drug_ingredient": (
        "本次处方中‘{new}’与第{line}行‘{earlier}’含相同成分，请确认是否重复开具",
        "{new} has the same ingredient as line {line} ({earlier}) of this order; "
        "is it a duplicate?",
    ),
    "alerts.prompt.within_drug_class": (
        "本次处方中‘{new}’与第{line}行‘{earlier}’同属{klass}，疑似重复用药，请确认是否重复开具",
        "{new} is in the same class ({klass}) as line {line} ({earlier}) of this order; "
        "is it a duplicate?",
    ),
    "alerts.prompt.within_lab_repeat": (
        "本次开单中‘{new}’与第{line}行‘{earlier}’为同一检验项目，请确认是否重复开具",
        "{new} is the same lab test as line {line} ({earlier}) of this order; is it a duplicate?",
    ),
    "alerts.prompt.within_exam_repeat": (
        "本次开单中‘{new}’与第{line}行‘{earlier}’为同一检查项目，请确认是否重复开具",
        "{new} is the same exam as line {line} ({earlier}) of this order; is it a duplicate?",
    ),
    "alerts.prompt.no_result": ("未出报告", "no report yet"),
    "alerts.prompt.protected_drug": (
        "患者于{date}在其他医疗机构有受保护的用药记录，余量约{days}天，与本次{new}疑似重复用药",
        "A protected medication record of {date} elsewhere ({days} days left) duplicates {new}",
    ),
    "alerts.prompt.protected_test": (
        "患者于{date}在其他医疗机构有受保护的检验检查记录，本次{new}在{window}天内疑似重复",
        "A protected test record of {date} elsewhere: {new} repeats it within {window} days",
    ),
    "alerts.protected.institution": ("其他医疗机构", "Another institution"),
    "alerts.protected.drug": ("受保护的用药记录", "Protected medication record"),
    "alerts.protected.test": ("受保护的检验检查记录", "Protected test record"),
    # errors
    "alerts.person_unknown": ("主索引中没有这位居民", "No such resident in the patient index"),
    "alerts.person_required": (
        "请填写居民的平台 id（personId）、主索引号（masterId）或证件标识（patientIdentifier），"
        "只填其一",
        "Give exactly one of personId, masterId or patientIdentifier",
    ),
    "alerts.identifier_unknown": (
        "证件标识（patientIdentifier）对应的居民不在主索引中",
        "No resident in the patient index holds this identifier (patientIdentifier)",
    ),
    "alerts.institution_not_clients": (
        "接入系统只能以其所属机构开单（orderingInstitutionId）",
        "A hospital system orders only for its own institution (orderingInstitutionId)",
    ),
    "alerts.institution_unknown": ("开单机构不存在", "No such ordering institution"),
    "alerts.institution_required": (
        "请指定开单机构（当前账号不属于任何机构）",
        "Name the ordering institution (your account belongs to none)",
    ),
    "alerts.institution_out_of_scope": (
        "只能以本人数据范围内的机构开单",
        "The ordering institution is outside your data scope",
    ),
    "alerts.check_empty": (
        "请至少填写一条药品或检验检查项目",
        "Give at least one drug or one lab/exam item",
    ),
    "alerts.start_date_range": (
        "用药开始日期应在开单日期前 {before} 天至后 {after} 天之间",
        "The start date must be within {before} days before and {after} days after the order date",
    ),
    "alerts.atc_invalid": (
        "ATC 编码格式不正确（如 C10AA05，或分类 C10AA）",
        "Not an ATC code (e.g. C10AA05, or a group such as C10AA)",
    ),
    "alerts.rule_code_invalid": (
        "规则编码只能由大写字母、数字、连字符和下划线组成，以字母开头",
        "upper-case letters, digits, '-' and '_', starting with a letter",
    ),
    "alerts.check_not_found": ("提示记录不存在", "Check not found"),
    "alerts.prompt_not_found": ("本次提示中没有编号为 {id} 的提示", "No prompt {id} in this check"),
    "alerts.prompt_answered": (
        "该提示已于 {at} 处理，不能重复处理",
        "This prompt was answered at {at}",
    ),
    "alerts.prompt_twice": ("同一条提示不能在一次提交中处理两次", "A prompt appears twice"),
    "alerts.reason_required": ("忽略提示时必须填写理由", "A reason is required to override"),
    "alerts.drug_rule_not_found": ("用药规则不存在", "Drug rule not found"),
    "alerts.item_rule_not_found": ("检验检查规则不存在", "Lab/exam rule not found"),
    "alerts.rule_code_taken": ("规则编码 {value} 已存在", "Rule code {value} already exists"),
    "alerts.item_rule_taken": (
        "项目 {value} 已有规则，请修改原规则",
        "Item {value} already has a rule; edit that one",
    ),
    "alerts.class_needs_prefix": (
        "同类药物规则必须填写 ATC 分类",
        "A drug-class rule needs an ATC group",
    ),
    "alerts.class_prefix_level": (
        "同类药物规则的 ATC 分类应为第3至第5级（4、5或7位，如 C10AA）",
        "The ATC group of a class rule must be level 3 to 5 (4, 5 or 7 characters)",
    ),
    "alerts.rule_builtin": (
        "内置规则“{name}”不能删除，可以停用",
        "Built-in rule {name} cannot be deleted; deactivate it instead",
    ),
    "alerts.range_invalid": ("开始日期不能晚于结束日期", "The start date is after the end date"),
    "alerts.range_too_long": (
        "统计区间不能超过 {days} 天",
        "The period may not exceed {days} days",
    ),
    # statistics labels
    "alerts.stats.unknown_class": ("未编码", "Not coded"),
    "alerts.stats.total": ("合计", "Total"),
}
register(MESSAGES)
