"""Messages of the master patient index: stable codes → (zh-CN, en).

Messages never repeat an identifier value or a name back: they are shown on screens and may end
up in screenshots and tickets.
"""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    # GB 11643-1999 citizen identity number
    "patients.id_number_format": (
        "公民身份号码应为 18 位：前 17 位为数字，第 18 位为数字或 X",
        "A citizen ID number has 18 characters: 17 digits, then a digit or X",
    ),
    "patients.id_number_region": (
        "公民身份号码前 6 位不是有效的行政区划代码（GB/T 2260）",
        "The first 6 digits are not a valid administrative division code",
    ),
    "patients.id_number_birth_date": (
        "公民身份号码第 7–14 位不是有效的出生日期",
        "Digits 7-14 are not a valid birth date",
    ),
    "patients.id_number_birth_future": (
        "公民身份号码中的出生日期晚于今天",
        "The birth date in the ID number is in the future",
    ),
    "patients.id_number_checksum": (
        "公民身份号码校验码（第 18 位）不正确，请核对证件",
        "The check character (18th) is wrong; please check the document",
    ),
    "patients.hmt_permit_region": (
        "港澳台居民居住证号码应以 810000、820000 或 830000 开头",
        "A residence permit number starts with 810000, 820000 or 830000",
    ),
    "patients.birth_date_mismatch": (
        "出生日期与公民身份号码中的出生日期不一致",
        "The birth date does not match the citizen ID number",
    ),
    "patients.sex_mismatch": (
        "性别与公民身份号码不一致（第 17 位奇数为男性，偶数为女性）",
        "The sex does not match the citizen ID number (odd 17th digit = male)",
    ),
    "patients.birth_date_future": ("出生日期不能晚于今天", "The birth date is in the future"),
    # other identifiers
    "patients.identifier_empty": ("证件号码不能为空", "The number must not be empty"),
    "patients.identifier_format.passport": (
        "护照号码应为 5–17 位字母或数字",
        "A passport number has 5-17 letters or digits",
    ),
    "patients.identifier_format.hk_macau_permit": (
        "港澳居民来往内地通行证号码应为 H 或 M 开头加 8 位（旧版 10 位）数字",
        "An HK/Macao permit number is H or M followed by 8 (formerly 10) digits",
    ),
    "patients.identifier_format.taiwan_permit": (
        "台湾居民来往大陆通行证号码应为 8 位数字（旧版 10 位数字，可带 1 位字母）",
        "A Taiwan permit number has 8 digits (formerly 10 digits and a letter)",
    ),
    "patients.identifier_format.foreigner_permanent_residence": (
        "外国人永久居留身份证号码应为 3 位字母加 12 位数字，或以 9 开头的 18 位号码",
        "3 letters and 12 digits, or 18 characters starting with 9",
    ),
    "patients.identifier_format.social_security_card": (
        "社会保障卡号应为 6–32 位字母或数字",
        "6-32 letters or digits",
    ),
    "patients.identifier_format.medical_insurance_card": (
        "医保卡号应为 6–32 位字母或数字",
        "6-32 letters or digits",
    ),
    "patients.identifier_format.shanghai_self_pay_card": (
        "统一自费就诊卡号应为 6–32 位字母或数字",
        "6-32 letters or digits",
    ),
    "patients.identifier_format.hospital_card": (
        "就诊卡号应为 1–32 位字母或数字",
        "1-32 letters or digits",
    ),
    "patients.issuer_country_required": (
        "护照须填写签发国家（三位字母代码，如 CHN）",
        "A passport needs its issuing country (3-letter code, e.g. CHN)",
    ),
    "patients.issuer_country_invalid": (
        "签发国家应为三位大写字母代码（ISO 3166-1，如 CHN、USA）",
        "The issuing country is a 3-letter ISO 3166-1 code",
    ),
    "patients.institution_required": (
        "院内就诊卡须填写发卡机构",
        "A hospital card needs its issuing institution",
    ),
    "patients.institution_unknown": ("发卡机构不存在", "No such institution"),
    "patients.identifier_duplicated": (
        "同一证件在请求中出现了多次",
        "The same identifier appears more than once",
    ),
    "patients.identifier_taken": (
        "该证件已关联到另一位居民（主索引号 {master_id}）",
        "This identifier already belongs to another resident ({master_id})",
    ),
    "patients.identifiers_split": (
        "提交的证件分别属于不同的居民（主索引号 {master_ids}），请先核对并合并",
        "The identifiers belong to different residents ({master_ids}); review and merge first",
    ),
    "patients.second_resident_id": (
        "该居民已有有效的公民身份号码；如号码有误，请先解除原号码",
        "The resident already has an active citizen ID number; unlink it first",
    ),
    "patients.identifier_not_found": ("证件不存在", "Identifier not found"),
    "patients.identifier_inactive": ("该证件已解除关联", "The identifier is already unlinked"),
    # demographics
    "patients.phone_invalid": (
        "电话号码格式不正确：手机号为 1 开头的 11 位数字，固定电话须带区号（如 021-64041990）",
        "A mobile number has 11 digits starting with 1; a landline needs its area code",
    ),
    "patients.name_invalid": ("姓名不能为空，且须包含文字", "The name must contain letters"),
    "patients.ethnicity_invalid": (
        "民族代码应为 GB/T 3304 的两位代码（01–56、97、98）",
        "An ethnicity code is a 2-digit GB/T 3304 code (01-56, 97, 98)",
    ),
    "patients.district_invalid": (
        "行政区划代码应为 6 位数字（GB/T 2260）",
        "A division code has 6 digits (GB/T 2260)",
    ),
    "patients.not_null": ("不能为空", "must not be empty"),
    "patients.family_doctor_invalid": (
        "家庭医生应为在用的医疗卫生机构工作人员账号",
        "The family doctor must be an active staff account of an institution",
    ),
    "patients.search_criteria": (
        "请提供证件类型和证件号码，或姓名和出生日期",
        "Give an identifier type and number, or a name and a birth date",
    ),
    # persons, merges, review list
    "patients.person_not_found": ("居民不存在", "Resident not found"),
    "patients.person_merged": (
        "该居民已合并到主索引号 {master_id}，请在合并后的记录上操作",
        "This resident was merged into {master_id}; work on that record",
    ),
    "patients.merge_same_person": (
        "不能把居民与自身合并",
        "A resident cannot be merged into itself",
    ),
    "patients.merge_conflicting_id_numbers": (
        "两位居民的公民身份号码不同，不能合并；如号码有误，请先解除错误的号码",
        "The two residents hold different citizen ID numbers; unlink the wrong one first",
    ),
    "patients.event_not_found": ("操作记录不存在", "History event not found"),
    "patients.unmerge_not_a_merge": ("只能撤销合并操作", "Only a merge can be undone"),
    "patients.unmerge_already_done": ("该合并已被撤销", "This merge was already undone"),
    "patients.unmerge_survivor_merged": (
        "保留的居民后来又被合并到主索引号 {master_id}，请先撤销那次合并",
        "The survivor was later merged into {master_id}; undo that merge first",
    ),
    "patients.candidate_not_found": ("疑似重复记录不存在", "Match candidate not found"),
    "patients.candidate_closed": (
        "该疑似重复记录已处理（{status}）",
        "This candidate was already reviewed ({status})",
    ),
    # to-do item of the home page
    "patients.todo.candidates_open": ("待审核的疑似重复居民", "Possible duplicates to review"),
}
register(MESSAGES)
