export default {
  title: 'Account security',
  info: 'Account', username: 'User name', displayName: 'Name', institution: 'Institution', passwordExpiresAt: 'Password valid until',
  password: 'Change password', currentPassword: 'Current password', newPassword: 'New password', confirmPassword: 'Confirm new password',
  passwordChanged: 'Password changed; sessions of this account on other devices have ended',
  totp: 'Authenticator', totpOn: 'Enrolled', totpOff: 'Not enrolled', totpHint: 'Besides the password, sign-in asks for the 6-digit code your authenticator app shows.',
  bind: 'Enrol an authenticator', rebind: 'Replace the authenticator', scanHint: 'Scan the QR code with your authenticator (or type the secret), then enter the 6-digit code it shows.',
  secret: 'Secret', code: 'Code', confirmBind: 'Confirm', bound: 'Authenticator enrolled',
  recovery: 'Recovery codes', recoveryLeft: '{count} recovery codes left', recoveryHint: 'If you lose the authenticator, a recovery code signs you in once. New codes void all old ones.',
  regenerate: 'New recovery codes', regenerateCodeHint: 'Enter the current code of your authenticator to confirm it is you',
  codesTitle: 'Keep these recovery codes safe', codesHint: 'Each code works once. They are not shown again after this window closes.', copy: 'Copy', copied: 'Copied', saved: 'I have saved them',
}
