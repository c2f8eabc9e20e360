export default {
  common: {
    timeRange: '时间范围', copy: '复制', copied: '已复制', copyFailed: '复制失败，请手动选择文本复制',
    download: '下载', shownOnce: '仅显示这一次，关闭后无法再次查看，请立即复制或下载并安全保存。',
    institution: '机构', onlyUser: '只看该用户',
    filteredByUser: '用户：{name}', ip: 'IP 地址', userAgent: '浏览器 / 客户端',
  },
  loginLog: {
    occurredAt: '时间', username: '登录名', userId: '用户 ID', step: '登录步骤', result: '结果', reason: '原因',
    results: { success: '登录成功', next_step: '本步通过', failure: '失败', locked: '已锁定', rate_limited: '频率受限' },
  },
  // Login steps and session methods (healthnet/core/auth/login_flow.py).
  method: {
    password: '密码', password_change: '修改密码', totp: '动态验证码', recovery_code: '恢复码', sm2_cert: '数字证书',
    totp_enrolment: '绑定身份验证器',
  },
  // Reason codes of the login log (auth.* message codes of the server).
  reason: {
    auth: {
      invalid_credentials: '用户名或密码错误', unknown_user: '用户不存在', account_locked: '账户已锁定', account_disabled: '账户已停用',
      rate_limited: '尝试过于频繁', second_factor_invalid: '第二因子错误', second_factor_required: '需要第二因子',
      recovery_code_invalid: '恢复码无效', totp_reused: '动态验证码已使用过', ticket_invalid: '登录步骤已失效', password_expired: '密码已过期',
      password_change_required: '需要修改密码', integrity_failed: '账户数据完整性校验失败', cert_login_unavailable: '证书登录不可用',
      totp_enrolment_not_allowed: '不允许绑定身份验证器',
    },
  },
  session: {
    user: '用户', method: '登录方式', createdAt: '登录时间', lastSeenAt: '最近活动', expiresAt: '过期时间',
    forceLogout: '强制下线', confirmForceLogout: '确定强制“{name}”（{ip}）下线吗？该会话将立即失效。', loggedOut: '已强制下线',
  },
  audit: {
    seq: '序号', occurredAt: '时间', actor: '操作人', actorId: '操作人 ID', roles: '角色', action: '操作类型', actionPlaceholder: '如 patients.person.read 或 patients.*',
    resourceType: '对象类型', resourceId: '对象 ID', patientId: '居民 ID', purpose: '用途', outcome: '结果', requestId: '请求 ID',
    archived: '查询归档记录', detail: '详细信息', hash: '本条哈希', prevHash: '前条哈希', recordTitle: '审计记录 #{seq}',
    export: '导出', exportXlsx: '导出 Excel（服务器生成）', exportCsv: '导出 CSV（服务器生成）', exportHint: '导出本身将被记入审计日志',
    outcomes: { success: '成功', failure: '失败', denied: '拒绝' },
    // HL7 v3 PurposeOfUse codes
    purposes: {
      TREAT: '诊疗', EMERGENCY: '紧急救治', COC: '连续诊疗', PATRQT: '本人申请', PUBHLTH: '公共卫生', HQUALIMP: '质量改进',
      HOPERAT: '医疗运营', HRESCH: '科研', ADMIN: '管理', AUDIT: '审计',
    },
  },
  chain: {
    title: '审计链状态', headSeq: '最新序号', headHash: '链头哈希', liveRecords: '在线记录数', archivedRecords: '归档记录数',
    lastCheckpoint: '最近检查点', lastVerification: '最近校验', never: '尚未校验', verifyNow: '立即校验',
    verifying: '正在校验整条审计链，记录较多时可能需要数十秒…', ok: '校验通过', failed: '校验失败',
    okText: '共校验 {records} 条记录、{checkpoints} 个检查点，未发现篡改、删除或插入。', failedText: '发现 {n} 个问题，第一个问题：',
    ms: '{n} 毫秒', problems: '问题列表', checkpoints: '签名检查点', signingKeys: '检查点签名公钥', signedAt: '签名时间',
    signer: '签名密钥指纹', signature: '签名值', fingerprint: '指纹', active: '当前使用', publicKey: '公钥（PEM）', createdAt: '创建时间',
    keysHint: '用于离线验证导出的审计日志及其检查点签名（SM2）。',
  },
  cert: {
    holder: '持有人', organization: '机构', subject: '证书主题', serial: '序列号', purpose: '用途', notBefore: '生效时间', notAfter: '到期时间',
    state: '状态', revokedAt: '吊销时间', revocationReason: '吊销原因', keySource: '密钥来源', fingerprint: '公钥指纹', lastUsedAt: '最近使用',
    createdAt: '签发时间', renewedFrom: '更新前的证书', district: '所属区', expiring: '即将到期', expiringDays: '{n} 天内到期',
    detail: '证书详情', basic: '基本信息', pem: '证书（PEM）', issue: '签发证书', renew: '更新', revoke: '吊销',
    caRoot: '根 CA 证书', caIssuing: '签发 CA 证书', caChain: 'CA 证书链', downloadCrl: '下载 CRL（证书吊销列表）', ca: '下载 CA 证书',
    purposes: { authentication: '登录认证', signing: '电子签名', platform: '平台签名' },
    states: { valid: '有效', expired: '已过期', not_yet_valid: '未生效', revoked: '已吊销' },
    keySources: { client: '用户自有密钥（UKey）', generated: '平台生成并交付', custodied: '平台生成并托管' },
    reasons: {
      unspecified: '未说明', key_compromise: '密钥泄露', affiliation_changed: '工作单位变更', superseded: '已被新证书取代',
      cessation_of_operation: '停止使用（离职等）', privilege_withdrawn: '权限撤销',
    },
    form: {
      user: '证书持有人', userPlaceholder: '输入姓名或用户名搜索工作人员', keyMode: '密钥', keyGenerate: '由平台生成密钥',
      keyPublic: '提交公钥（UKey 或自有密钥）', keyKeep: '沿用现有公钥', publicKeyPem: '公钥（PEM）', publicKeyHint: 'SM2 公钥，PEM 格式（-----BEGIN PUBLIC KEY-----）',
      keyPassword: '私钥保护口令', keyPasswordHint: '至少 8 位，含字母和数字；留空则由平台生成口令并显示一次', validityDays: '有效期（天）',
      signingHint: '签名证书的密钥由平台生成并加密保管，私钥不离开平台。', renewHint: '更新后，原证书“{serial}”将以“已被新证书取代”为由吊销并列入 CRL。',
      revokeHint: '吊销后证书立即失效并列入 CRL，不可恢复。证书：{subject}（序列号 {serial}）',
    },
    issued: {
      title: '证书已签发', privateKey: '私钥（已用口令加密的 PKCS #8）', keyPassword: '私钥保护口令',
      keyHint: '私钥和口令平台不保存。请分别经安全渠道交给持有人（口令与私钥文件不要一起发送）。',
    },
  },
  stats: {
    groupBy: '统计维度', byInstitution: '按机构', byDistrict: '按区', name: '名称', issued: '签发总数', valid: '有效', expiringSoon: '30 天内到期',
    expired: '已过期', revoked: '已吊销', chart: '证书数量', total: '合计', unassigned: '（未归属）',
  },
  oidc: {
    name: '系统名称', clientId: '客户端 ID', description: '说明', institution: '所属机构', kind: '客户端类型', public: '公开客户端',
    confidential: '机密客户端', publicHint: '无法保管密钥的应用（单页应用、移动端）；只能使用授权码 + PKCE，不能调用接口或内省令牌。',
    grantTypes: '授权方式', scopes: '授权范围', redirectUris: '回调地址', postLogoutRedirectUris: '退出后回调地址', urisHint: '每行一个，须为 https 地址（本机调试可用 http://127.0.0.1）',
    authMethod: '令牌端点认证方式', mayIntrospect: '允许内省令牌', active: '状态', secretRotatedAt: '密钥轮换时间',
    previousSecretExpiresAt: '旧密钥失效时间', createdAt: '登记时间', register: '登记接入系统', deactivate: '停用', rotate: '轮换密钥',
    confirmDeactivate: '停用后“{name}”将无法登录或获取令牌，已签发的令牌同时失效。确定停用吗？',
    rotateTitle: '轮换“{name}”的客户端密钥', graceHours: '旧密钥保留（小时）', graceHint: '旧密钥在此期间仍可使用，便于对方系统切换；密钥泄露时请填 0 立即失效。',
    secretTitle: '客户端密钥', secret: '客户端密钥（client_secret）', noSecret: '公开客户端没有密钥。', previousValidUntil: '旧密钥在 {time} 前仍然有效。',
    grants: { authorization_code: '授权码（单点登录）', refresh_token: '刷新令牌', client_credentials: '客户端凭证（接口调用）' },
    authMethods: { client_secret_basic: 'HTTP Basic（client_secret_basic）', client_secret_post: '表单参数（client_secret_post）', none: '无（公开客户端）' },
  },
}
