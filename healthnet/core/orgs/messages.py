"""Messages of the organisations slice: stable codes → (zh-CN, en)."""

from healthnet.core.i18n import register
from healthnet.core.orgs.enums import KIND_LABELS, LEVEL_LABELS

MESSAGES: dict[str, tuple[str, str]] = {
    "orgs.institution_not_found": ("机构不存在", "Institution not found"),
    "orgs.department_not_found": ("科室不存在", "Department not found"),
    "orgs.directory_too_many_ids": (
        "一次最多查询 100 个机构",
        "At most 100 institutions per look-up",
    ),
    "orgs.institution_code_taken": (
        "机构代码 {value} 已被其他机构使用",
        "Institution code {value} is already in use",
    ),
    "orgs.department_code_taken": (
        "本机构已有代码为 {value} 的科室",
        "This institution already has department {value}",
    ),
    "orgs.department_in_use": (
        "科室已被业务数据引用，不能删除，请改为停用",
        "The department is referenced by other records; deactivate it instead",
    ),
    "orgs.code_invalid": (
        "只能包含字母、数字、连字符（-）、下划线（_）和点（.）",
        "may contain only letters, digits, '-', '_' and '.'",
    ),
    "orgs.not_null": ("不能为空", "must not be empty"),
    "orgs.credit_code_length": ("统一社会信用代码应为 18 位", "must be 18 characters"),
    "orgs.credit_code_chars": (
        "统一社会信用代码只能由数字和除 I、O、Z、S、V 以外的大写字母组成",
        "may contain digits and capital letters except I, O, Z, S, V",
    ),
    "orgs.credit_code_region": (
        "统一社会信用代码第 3–8 位应为登记机关的行政区划代码（6 位数字）",
        "positions 3-8 must be the registrar's 6-digit division code",
    ),
    "orgs.credit_code_checksum": (
        "统一社会信用代码校验位错误，请核对营业执照或登记证书（GB 32100-2015）",
        "check character is wrong (GB 32100-2015)",
    ),
    "orgs.longitude_out_of_range": (
        "经度应在上海市范围内（东经 120.8°–122.2°）",
        "longitude must lie within Shanghai (120.8-122.2 E)",
    ),
    "orgs.latitude_out_of_range": (
        "纬度应在上海市范围内（北纬 30.6°–31.9°）",
        "latitude must lie within Shanghai (30.6-31.9 N)",
    ),
    "orgs.coordinates_incomplete": (
        "经度和纬度须同时填写或同时留空",
        "longitude and latitude go together",
    ),
    "orgs.phone_invalid": (
        "电话号码格式不正确（只能包含数字、空格、+、-、括号和“转”）",
        "invalid phone number",
    ),
    "orgs.district_unknown": (
        "“{value}”不是上海市的区（应为区代码如 310101，或区名如 黄浦区）",
        "{value} is not a Shanghai district",
    ),
    "orgs.parent_unknown": ("上级机构不存在", "parent institution not found"),
    "orgs.parent_cycle": (
        "上级机构不能是本机构或其下级机构",
        "the parent cannot be the institution or its child",
    ),
    "orgs.category_unknown": (
        "诊疗科目类别 {value} 不在《医疗机构诊疗科目名录》一级科目中",
        "{value} is not a top-level category of the clinical department catalogue",
    ),
    "orgs.sort_invalid": ("不支持的排序字段：{value}", "cannot sort by {value}"),
    # CSV import
    "orgs.import_rejected": (
        "导入未执行：文件中有 {count} 处错误，数据未做任何修改",
        "Import refused: {count} errors in the file, nothing was changed",
    ),
    "orgs.import_row_error": (
        "第 {line} 行“{column}”：{message}",
        "line {line} {column}: {message}",
    ),
    "orgs.import_line_error": ("第 {line} 行：{message}", "line {line}: {message}"),
    "orgs.import_no_file": (
        "请上传 CSV 文件（text/csv 请求体，或 multipart/form-data 的 file 字段）",
        "Send a CSV file (text/csv body, or multipart/form-data field 'file')",
    ),
    "orgs.import_encoding": (
        "文件编码无法识别，请保存为 UTF-8 或 GBK 编码的 CSV",
        "use UTF-8 or GBK encoding",
    ),
    "orgs.import_not_csv": ("文件不是合法的 CSV：{reason}", "not valid CSV: {reason}"),
    "orgs.import_empty": ("文件为空或缺少表头行", "the file is empty or has no header row"),
    "orgs.import_no_rows": ("文件只有表头，没有数据行", "the file has a header but no rows"),
    "orgs.import_unknown_column": ("无法识别的列“{name}”", "unknown column '{name}'"),
    "orgs.import_duplicate_column": ("列“{name}”重复出现", "column '{name}' appears twice"),
    "orgs.import_missing_column": ("缺少必需的列“{name}”", "required column '{name}' missing"),
    "orgs.import_field_count": (
        "该行有 {found} 列，表头有 {expected} 列",
        "row has {found} cells, header has {expected}",
    ),
    "orgs.import_duplicate_code": (
        "机构代码与第 {first_line} 行重复",
        "institution code repeats line {first_line}",
    ),
    "orgs.import_kind_unknown": (
        "无法识别的机构类别“{value}”",
        "unknown institution kind '{value}'",
    ),
    "orgs.import_level_unknown": ("无法识别的医院等级“{value}”", "unknown level '{value}'"),
    "orgs.import_bool": ("应填写“是”或“否”", "must be yes or no"),
    "orgs.import_parent_unknown": (
        "上级机构代码 {value} 既不在系统中也不在本文件中",
        "parent code {value} is neither stored nor in this file",
    ),
    "orgs.import_parent_cycle": ("上级机构关系形成循环", "parent relations form a cycle"),
}

# Labels of the closed vocabularies, so the UI and error messages can show them.
MESSAGES.update({f"orgs.kind.{k.value}": v for k, v in KIND_LABELS.items()})
MESSAGES.update({f"orgs.level.{k.value}": v for k, v in LEVEL_LABELS.items()})

register(MESSAGES)
