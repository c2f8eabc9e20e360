export default {
  menu: { worklist: '登记与随访', programs: '专病登记', transfers: '转入转出', indicators: '专病指标统计' },
  program: {
    code: '编码', name: '专病登记', kind: '类型', version: '版本', kinds: { enrolment: '登记管理', single_event: '报告卡' },
    open: '查看登记', enrol: '新增登记', report: '填报报告卡', source: '依据',
  },
  enrolment: {
    list: '登记名册', detail: '登记详情', person: '居民', masterId: '主索引号', status: '状态', open: '在管', closed: '已结案',
    enrolledOn: '登记日期', incidentOn: '发病/诊断日期', orgUnit: '管理机构', assignedUser: '责任医生', version: '表单版本',
    openOnly: '只看在管', values: '登记信息', edit: '修改登记信息', duplicateOf: '重复报告，原报告', duplicates: '重复报告',
    restricted: '敏感登记', events: '随访记录', history: '状态变更', noEvents: '暂无随访记录', noHistory: '暂无状态变更',
    transfer: '申请转出', transferTo: '转入机构', transferReason: '转出原因', transferRequested: '已申请转出，等待对方机构接收',
  },
  event: {
    stage: '随访项目', dueOn: '应随访日期', eventOn: '随访日期', status: '状态', record: '录入', edit: '修改', skip: '跳过', view: '查看',
    skipReason: '跳过原因', skipPrompt: '该次计划随访将不再执行。请填写原因：', recordStage: '录入{stage}', overdueDays: '逾期天数',
    statuses: { scheduled: '待随访', completed: '已完成', skipped: '已跳过', overdue: '已逾期' }, add: '新增随访',
  },
  workflow: { state: '当前状态', transitions: '可执行操作', note: '说明', notePrompt: '{name}：请填写说明', noteOptional: '{name}：说明（可不填）', done: '已{name}' },
  save: {
    warnings: '已保存，请注意：', scheduled: '已安排下次{stage}：{date}', hidden: '以下项目按规则不适用，未保存：{fields}', notified: '已通知 {n} 人',
    duplicate: '与已有报告为同一病例，已作为重复报告保存',
  },
  enrol: {
    title: '新增登记', findPerson: '查找居民', chosen: '已选择居民', change: '重新选择', form: '登记表', enrolledOn: '登记日期', incidentOn: '发病/诊断日期',
    orgUnit: '管理机构', orgUnitHint: '不填为本人所在机构', submit: '提交登记', done: '登记成功', choose: '选择', alreadyEnrolled: '该居民已在管，查看已有登记',
  },
  worklist: {
    due: '范围', dues: { overdue: '已逾期', due: '近期到期', scheduled: '全部待随访' }, withinDays: '天内到期', mine: '只看我负责的', program: '专病',
    capture: '录入随访', open: '查看登记',
  },
  transfers: {
    direction: '方向', directions: { incoming: '转入（待本机构接收）', outgoing: '转出（本机构发起）' }, status: '状态',
    statuses: { requested: '待接收', accepted: '已接收', rejected: '已拒绝' }, from: '转出机构', to: '转入机构', reason: '原因',
    requestedAt: '申请时间', decidedAt: '处理时间', note: '处理说明', accept: '接收', reject: '拒绝', acceptPrompt: '接收后由本机构管理。说明（可不填）：',
    rejectPrompt: '请填写拒绝原因：', accepted: '已接收', rejected: '已拒绝', enrolment: '登记', person: '居民', program: '专病',
  },
  indicators: {
    open: '指标统计', switch: '切换专病', periodType: '统计周期', periodTypes: { month: '月', quarter: '季度', year: '年' },
    period: '统计期', groupBy: '汇总方式', groupBys: { district: '按区', institution: '按机构' },
    districtScope: '{name}各机构', back: '返回全部区', drillHint: '点击区名查看该区各机构',
    org: { district: '区', institution: '机构' }, district: '所在区', numerator: '分子', denominator: '分母', value: '指标值',
    count: '计数', comparison: '{indicator}：{scope}对比', trend: '{indicator}：近 12 个月趋势', trendOf: '（{name}）',
    export: '导出Excel', refresh: '刷新统计', refreshing: '已提交刷新任务，统计完成后页面将自动更新', refreshed: '统计已更新',
    refreshSlow: '刷新任务仍在进行，请稍后点击“刷新”查看', updatedAt: '数据更新于 {time}',
    never: '尚未生成统计数据', neverHint: '指标按预先汇总的统计表展示，请先刷新统计。', neverHintNoPerm: '指标按预先汇总的统计表展示，请联系有权限的人员刷新统计。',
    none: '该专病未定义统计指标', noPrograms: '暂无可统计的专病',
    periodName: { month: '{year}年{month}月', quarter: '{year}年第{quarter}季度', year: '{year}年' },
    perTenThousand: '/万', perHundredThousand: '/10万',
  },
  signature: {
    signed: '已签名 (SM2) · {signer} · {time}', invalid: '签名无效', stale: '已更正，待重新签名', verify: '验证',
    valid: '签名有效：{signer} 于 {time} 以 SM2 签名，记录自签名后未被修改', locked: '已签名，不能直接修改',
  },
  other: '其他',
  otherInstitution: '其他机构',
}
