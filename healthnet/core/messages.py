"""Core messages: errors every slice can raise, and the names of generic fields."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": ("{resource}不存在", "{resource} not found"),
    "conflict": ("数据冲突：{reason}", "Conflict: {reason}"),
    "forbidden": ("没有权限执行此操作", "You are not allowed to do this"),
    "unauthenticated": ("请先登录", "Please log in"),
    "validation_failed": ("请求数据有误，请检查标出的字段", "The request has invalid fields"),
    "body_too_large": (
        "请求体过大（上限 {limit} 字节）",
        "Request body too large (limit {limit} bytes)",
    ),
    "unsupported_media_type": (
        "不支持的内容类型：{content_type}",
        "Unsupported content type: {content_type}",
    ),
    "malformed_json": ("请求体不是合法的 JSON", "The body is not valid JSON"),
    "internal_error": ("服务器内部错误，请联系管理员（请求号 {request_id}）", "Internal error"),
    "method_not_allowed": ("不支持的请求方法", "Method not allowed"),
    "route_not_found": ("请求的地址不存在", "No such address"),
    "service_unavailable": ("服务暂不可用：{reason}", "Service unavailable: {reason}"),
    # pydantic error types, rendered per field
    "field.missing": ("必填", "is required"),
    "field.extra_forbidden": ("不允许的字段", "is not an allowed field"),
    "field.string_too_short": ("长度不能少于 {min_length} 个字符", "is too short"),
    "field.string_too_long": ("长度不能超过 {max_length} 个字符", "is too long"),
    "field.string_pattern_mismatch": ("格式不正确", "has the wrong format"),
    "field.string_type": ("应为文本", "must be text"),
    "field.int_parsing": ("应为整数", "must be an integer"),
    "field.int_type": ("应为整数", "must be an integer"),
    "field.float_parsing": ("应为数字", "must be a number"),
    "field.bool_parsing": ("应为是/否", "must be true or false"),
    "field.date_from_datetime_parsing": ("日期格式不正确，应为 YYYY-MM-DD", "invalid date"),
    "field.date_parsing": ("日期格式不正确，应为 YYYY-MM-DD", "invalid date"),
    "field.date_from_datetime_inexact": ("日期格式不正确，应为 YYYY-MM-DD", "invalid date"),
    "field.datetime_parsing": ("时间格式不正确", "invalid datetime"),
    "field.datetime_from_date_parsing": ("时间格式不正确", "invalid datetime"),
    "field.greater_than_equal": ("不能小于 {ge}", "must be ≥ {ge}"),
    "field.less_than_equal": ("不能大于 {le}", "must be ≤ {le}"),
    "field.greater_than": ("必须大于 {gt}", "must be > {gt}"),
    "field.less_than": ("必须小于 {lt}", "must be < {lt}"),
    "field.enum": ("取值不在允许范围内：{expected}", "must be one of {expected}"),
    "field.literal_error": ("取值不在允许范围内：{expected}", "must be one of {expected}"),
    "field.list_type": ("应为列表", "must be a list"),
    "field.model_type": ("应为对象", "must be an object"),
    "field.dict_type": ("应为对象", "must be an object"),
    "field.json_invalid": ("请求体不是合法的 JSON", "invalid JSON"),
    "field.value_error": ("取值不正确：{error}", "invalid value: {error}"),
    "field.too_long": ("元素数量不能超过 {max_length}", "too many items"),
    "field.too_short": ("元素数量不能少于 {min_length}", "too few items"),
    "field.invalid": ("取值不正确", "invalid value"),
    # importing CSV / Excel tables (healthnet.core.tabular); slices may use their own codes
    "import.rejected": (
        "导入未执行：文件中有 {count} 处错误，数据未做任何修改",
        "Import refused: {count} errors in the file, nothing was changed",
    ),
    "import.row_error": ("第 {line} 行“{column}”：{message}", "line {line}, {column}: {message}"),
    "import.line_error": ("第 {line} 行：{message}", "line {line}: {message}"),
    "import.encoding": (
        "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV，或 Excel（.xlsx）文件",
        "Unknown encoding; save the file as UTF-8 or GBK CSV, or as Excel (.xlsx)",
    ),
    "import.not_csv": ("不是有效的 CSV 文件：{reason}", "Not a valid CSV file: {reason}"),
    "import.not_xlsx": (
        "不是有效的 Excel（.xlsx）文件，请用 Excel 或 WPS 重新保存后再导入",
        "Not a valid Excel (.xlsx) file; save it again and retry",
    ),
    "import.xls_unsupported": (
        "不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再导入",
        "Old Excel (.xls) files are not supported; save as .xlsx or CSV",
    ),
    "import.too_large": (
        "Excel 文件解压后超过 {limit} MB，请删除无关的工作表或另存为 CSV",
        "The Excel file unpacks to more than {limit} MB; remove other sheets or use CSV",
    ),
    "import.empty": ("文件为空或缺少表头行", "The file is empty or has no header row"),
    "import.no_rows": ("文件只有表头，没有数据行", "The file has a header but no rows"),
    "import.too_many_rows": (
        "数据超过 {max} 行的上限，请分批导入",
        "More than {max} rows; split the file",
    ),
    "import.unknown_column": ("无法识别的列“{name}”", "Unknown column {name}"),
    "import.duplicate_column": ("列“{name}”重复出现", "Column {name} appears twice"),
    "import.missing_column": ("缺少必需的列“{name}”", "Required column {name} is missing"),
    "import.field_count": (
        "该行有 {found} 列，多于表头的 {expected} 列",
        "{found} cells, more than the header's {expected}",
    ),
    "import.required": ("不能为空", "is required"),
    "import.too_long": ("不能超过 {max} 个字符", "longer than {max} characters"),
}
register(MESSAGES)
