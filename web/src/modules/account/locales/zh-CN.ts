export default {
  title: '账户安全',
  info: '账户信息', username: '用户名', displayName: '姓名', institution: '所属机构', passwordExpiresAt: '密码有效期至',
  password: '修改密码', currentPassword: '当前密码', newPassword: '新密码', confirmPassword: '确认新密码',
  passwordChanged: '密码已修改，本账户在其他设备上的登录已失效',
  totp: '身份验证器', totpOn: '已绑定', totpOff: '未绑定', totpHint: '登录时除密码外还需输入身份验证器（如微信小程序、Google Authenticator、FreeOTP）显示的 6 位动态验证码。',
  bind: '绑定身份验证器', rebind: '更换身份验证器', scanHint: '用身份验证器扫描二维码（或手工输入密钥），再输入它显示的 6 位动态验证码完成绑定。',
  secret: '密钥', code: '动态验证码', confirmBind: '完成绑定', bound: '身份验证器已绑定',
  recovery: '恢复码', recoveryLeft: '剩余 {count} 个可用恢复码', recoveryHint: '丢失身份验证器时，可用恢复码登录一次。重新生成后旧恢复码全部作废。',
  regenerate: '重新生成恢复码', regenerateCodeHint: '请输入身份验证器当前的动态验证码以确认身份',
  codesTitle: '请妥善保存恢复码', codesHint: '每个恢复码只能使用一次。关闭此窗口后将不再显示。', copy: '复制', copied: '已复制', saved: '我已保存',
}
