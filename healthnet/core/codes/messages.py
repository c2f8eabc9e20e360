from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "codes.system_not_found": ("代码系统 {system} 不存在", "Code system {system} not found"),
    "codes.version_not_found": (
        "代码系统 {system} 没有版本 {version}",
        "Code system {system} has no version {version}",
    ),
    "codes.not_loaded": (
        "代码系统 {system} 尚未加载，请先运行 healthnet codes load",
        "Code system {system} is not loaded; run healthnet codes load",
    ),
    "codes.concept_not_found": (
        "代码 {concept} 不在 {system}（版本 {version}）中",
        "Code {concept} is not in {system} (version {version})",
    ),
    "codes.unknown_code": (
        "代码“{concept}”不在{system_name}（版本 {version}）中",
        "Code {concept} is not in {system_name} (version {version})",
    ),
    "codes.inactive_code": (
        "代码“{concept}”在{system_name}（版本 {version}）中已停用",
        "Code {concept} is no longer used in {system_name} (version {version})",
    ),
    "codes.version_content_changed": (
        "{system} 的版本 {version} 已按不同内容加载过；已加载的版本不会被改写，请使用新的版本号",
        "Version {version} of {system} was loaded with other content; use a new version string",
    ),
    "codes.system_name_required": (
        "新建代码系统时须提供中文名称",
        "A Chinese name is needed to create a new code system",
    ),
    "codes.system_code_invalid": (
        "代码系统编码只能包含小写字母、数字、点、横线和下划线，且以字母或数字开头（最长 64 位）",
        "System code: lower-case letters, digits, '.', '-', '_' (max 64)",
    ),
    "codes.version_invalid": (
        "版本号只能包含文字、数字、点、横线和下划线（最长 64 位）",
        "Version: letters, digits, '.', '-', '_' (max 64)",
    ),
    "codes.kind_invalid": ("类别应为 {kinds}", "Kind must be one of {kinds}"),
    # CSV import
    "codes.import_rejected": (
        "导入文件有 {count} 处错误，未导入任何数据",
        "The file has {count} errors; nothing was imported",
    ),
    "codes.import_row_error": (
        "第 {line} 行“{column}”：{message}",
        "line {line}, {column}: {message}",
    ),
    "codes.import_line_error": ("第 {line} 行：{message}", "line {line}: {message}"),
    "codes.import_no_file": ("请上传 CSV 文件", "Upload a CSV file"),
    "codes.import_encoding": (
        "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV",
        "Unknown encoding; save the file as UTF-8 or GBK CSV",
    ),
    "codes.import_not_csv": ("不是有效的 CSV 文件：{reason}", "Not a valid CSV file: {reason}"),
    "codes.import_no_rows": ("文件没有数据行", "The file has no data rows"),
    "codes.import_missing_column": ("缺少必需的列“{name}”", "Missing column {name}"),
    "codes.import_duplicate_column": ("列“{name}”重复", "Column {name} appears twice"),
    "codes.import_field_count": (
        "有 {found} 列，多于表头的 {expected} 列",
        "{found} cells, more than the header's {expected}",
    ),
    "codes.import_required": ("不能为空", "is required"),
    "codes.import_too_long": ("不能超过 {max} 个字符", "longer than {max} characters"),
    "codes.import_duplicate_code": (
        "编码“{concept}”与第 {first} 行重复",
        "Code {concept} repeats line {first}",
    ),
    "codes.import_parent_unknown": (
        "上级编码“{parent}”不在文件中",
        "Parent code {parent} is not in the file",
    ),
    "codes.import_parent_cycle": (
        "上级编码形成循环（{concept}）",
        "Parent codes form a cycle ({concept})",
    ),
}
register(MESSAGES)
