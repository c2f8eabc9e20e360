"""Messages of the shared health record: stable codes → (zh-CN, en)."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    # FHIR endpoint (OperationOutcome diagnostics)
    "records.fhir.not_json": ("请求体不是合法的 JSON", "The body is not valid JSON"),
    "records.fhir.not_bundle": (
        "请求体应为 Bundle 资源",
        "The body must be a Bundle resource",
    ),
    "records.fhir.bundle_type": (
        "Bundle.type 只支持 transaction 或 batch",
        "Bundle.type must be transaction or batch",
    ),
    "records.fhir.invalid": ("{element} 不符合 FHIR R4 规范：{reason}", "{element} is invalid"),
    "records.fhir.required": ("缺少必填元素 {element}", "{element} is required"),
    "records.fhir.unsupported_type": (
        "不支持的资源类型 {type}",
        "Resource type {type} is not supported",
    ),
    "records.fhir.method": (
        "只支持 POST 或 PUT 请求",
        "Only POST and PUT entries are supported",
    ),
    "records.fhir.no_identifier": (
        "资源缺少业务标识（identifier 或 id），无法去重",
        "The resource needs an identifier or an id",
    ),
    "records.fhir.patient_identifier": (
        "患者缺少可识别的证件：请提供居民身份证号或本院就诊卡号",
        "The patient needs a citizen ID number or a hospital card number",
    ),
    "records.fhir.patient_name": ("患者姓名不能为空", "The patient's name is required"),
    "records.fhir.reference_unresolved": (
        "引用 {reference} 无法解析：本 Bundle 中没有此资源，平台中也找不到",
        "Reference {reference} cannot be resolved",
    ),
    "records.fhir.reference_kind": (
        "{element} 应引用 {type} 资源",
        "{element} must reference a {type}",
    ),
    "records.fhir.code_value": ("{element} 取值不在允许范围内：{value}", "{element}: bad value"),
    "records.fhir.no_institution": (
        "此客户端未绑定医疗机构，不能上传数据",
        "This client is not bound to an institution",
    ),
    "records.fhir.not_found": ("{type}/{id} 不存在", "{type}/{id} not found"),
    "records.fhir.search_param": (
        "不支持的检索参数或取值：{param}",
        "Unsupported search parameter or value: {param}",
    ),
    "records.fhir.entry_failed": (
        "第 {index} 条（{type}）处理失败：{reason}",
        "Entry {index} ({type}) failed",
    ),
    "records.fhir.patient_rejected": ("患者登记失败：{reason}", "The patient was refused"),
    "records.fhir.internal": (
        "服务器内部错误，请联系平台管理员（请求号 {request_id}）",
        "Internal error",
    ),
    # Bulk import
    "records.import.kind": (
        "不支持的导入类型，应为 encounter、medication_order 或 lab_result",
        "kind must be encounter, medication_order or lab_result",
    ),
    "records.import.rows_invalid": (
        "文件中有 {count} 行数据有误，未导入任何数据",
        "{count} rows are invalid; nothing was imported",
    ),
    "records.import.institution_unknown": ("机构代码 {value} 不存在", "Unknown institution"),
    "records.import.patient_unknown": (
        "找不到证件号对应的居民",
        "No resident holds this identifier",
    ),
    "records.import.encounter_unknown": (
        "找不到本机构的就诊记录 {value}",
        "No such encounter of this institution",
    ),
    "records.import.datetime": (
        "日期时间格式应为 YYYY-MM-DD HH:MM 或 YYYY-MM-DD",
        "Use YYYY-MM-DD HH:MM",
    ),
    "records.import.number": ("应为数字", "must be a number"),
    "records.import.class": (
        "就诊类型应为 outpatient、emergency 或 inpatient（门诊/急诊/住院）",
        "class must be outpatient, emergency or inpatient",
    ),
    "records.import.no_permission_institution": (
        "只能导入本机构的数据",
        "You may import only your own institution's data",
    ),
    "records.identifier_system_unknown": (
        "不认识的证件标识体系（system），可用居民身份证 urn:oid:2.16.156.10011.1.1、"
        "院内就诊卡或主索引号",
        "Unknown identifier system: use the resident ID card, a hospital card or the master id",
    ),
}

register(MESSAGES)
