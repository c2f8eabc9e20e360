export default {
  person: {
    masterId: '主索引号', name: '姓名', sex: '性别', birthDate: '出生日期', phone: '联系电话', address: '地址', district: '所属区',
    districtHint: '行政区划代码（GB/T 2260）：可选上海各区，也可直接输入其他地区的 6 位代码', ethnicity: '民族', ethnicityCode: '民族代码', familyDoctor: '家庭医生',
    status: '状态', identifiers: '证件', createdAt: '登记时间', updatedAt: '更新时间', detail: '居民详情', demographics: '基本信息',
    register: '登记居民', edit: '修改信息', statuses: { active: '正常', merged: '已合并' },
    mergedInto: '该记录已合并到另一居民，请在合并后的记录上操作', openSurvivor: '查看合并后的居民',
    scopeHint: '如确认链接无误，可能是该居民不在您的数据范围内（例如属于其他区）；如需查看，请联系上级管理员。',
    registered: '已登记居民，主索引号 {masterId}', existing: '证件已登记过，已打开原居民记录（未新建重复记录），新证件已关联',
    reviewCandidates: '发现 {n} 位可能重复的居民，已进入疑似重复审核列表',
    birthFromId: '填写公民身份号码时，出生日期和性别可不填，将从号码中读取',
  },
  sex: { '0': '未知的性别', '1': '男', '2': '女', '9': '未说明的性别' },
  identifier: {
    type: '证件类型', value: '证件号码', issuer: '签发国家', issuerHint: '三位字母代码，如 CHN、USA', institution: '发卡机构',
    masked: '已脱敏', maskedHint: '号码已部分隐藏；查看完整号码需“查看完整证件号码”权限', active: '状态', linked: '有效',
    unlinked: '已解除', createdAt: '关联时间', link: '关联证件', unlink: '解除关联', unlinkReason: '解除关联的原因',
    unlinkPrompt: '解除后该证件不再指向此居民（记录保留在历史中）。请填写原因：', add: '添加证件', remove: '移除',
    types: {
      resident_id_card: '居民身份证', hmt_residence_permit: '港澳台居民居住证', passport: '护照', hk_macau_permit: '港澳居民来往内地通行证',
      taiwan_permit: '台湾居民来往大陆通行证', foreigner_permanent_residence: '外国人永久居留身份证', social_security_card: '社会保障卡',
      medical_insurance_card: '医保卡', shanghai_self_pay_card: '上海市统一自费就诊卡', hospital_card: '院内就诊卡',
    },
  },
  search: {
    byIdentifier: '按证件查找', byName: '按姓名和出生日期查找', hint: '证件号码只随请求正文发送，不出现在地址栏和日志中',
    idValuePlaceholder: '身份证号、医保卡号或就诊卡号', results: '查找结果', noResults: '没有找到符合条件的居民', start: '请输入查找条件',
  },
  history: {
    title: '变更历史', mergedRecord: '被合并的居民', survivorRecord: '保留的居民', open: '查看', empty: '暂无记录', actor: '操作人', reason: '原因', undone: '已撤销',
    kinds: { register: '登记', merge: '合并', unmerge: '撤销合并', identifier_link: '关联证件', identifier_unlink: '解除证件' },
    mergeInto: '{other} 合并到本居民', mergedAway: '本居民合并到 {other}', unmerge: '撤销合并', unmergeReason: '撤销合并的原因',
    unmergePrompt: '撤销后被合并居民的证件将恢复到合并前的状态。请填写原因：',
  },
  candidate: {
    score: '相似度', band: '判定', bands: { match: '高度疑似', possible_match: '可能重复' }, status: '状态',
    statuses: { open: '待审核', merged: '已合并', dismissed: '不是同一人' }, agreeing: '一致的项目',
    rules: { name: '姓名', birthDate: '出生日期', sex: '性别', phone: '联系电话' }, personA: '居民 A', personB: '居民 B',
    merge: '合并', dismiss: '不是同一人', dismissPrompt: '确认这两条记录不是同一人？可填写备注（可不填）：', dismissNote: '备注',
    reviewedAt: '审核时间', reviewNote: '审核备注', createdAt: '发现时间', empty: '暂无疑似重复的居民', field: '项目',
  },
  merge: {
    title: '合并居民', survivor: '保留的记录', survivorHint: '另一条记录的证件将转到保留的记录下；被合并的记录保留并标记为已合并，可撤销',
    reason: '合并原因', reasonPlaceholder: '如：核对身份证件后确认为同一人', keep: '保留此记录',
  },
  familyDoctor: {
    title: '设置家庭医生', none: '未签约', clear: '解除', placeholder: '输入姓名查找工作人员',
    hint: '家庭医生会在居民到其他医疗机构就诊时收到站内消息（患者全程管理）。',
  },
  common: { reasonRequired: '请填写原因' },
}
