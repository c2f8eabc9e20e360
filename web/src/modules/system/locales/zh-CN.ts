export default {
  user: {
    username: '用户名', displayName: '姓名', kind: '类型', staff: '工作人员', resident: '居民', institution: '所属机构',
    roles: '角色', active: '状态', lastLoginAt: '最近登录', totp: '身份验证器', locked: '已锁定', lockedUntil: '锁定至',
    mustChangePassword: '需改密', keyword: '关键字', keywordPlaceholder: '用户名或姓名', create: '新增用户',
    initialPassword: '初始密码', initialPasswordHint: '用户首次登录时必须修改密码并绑定身份验证器',
    assignRoles: '分配角色', unlock: '解锁', enable: '启用', disable: '停用', resetPassword: '重置密码',
    resetSecondFactor: '重置第二因子', temporaryPassword: '临时密码（仅显示一次，请当面或经安全渠道交给用户）',
    confirmDisable: '停用后该用户将无法登录，确定停用“{name}”吗？', confirmResetSecondFactor: '确定重置“{name}”的身份验证器吗？该用户下次登录须重新绑定。',
    confirmResetPassword: '确定为“{name}”生成新的临时密码吗？', grantedRoles: '已分配角色', addRole: '添加角色', grant: '分配',
    revoke: '移除', dataScope: '数据范围',
  },
}
