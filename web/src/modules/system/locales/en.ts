export default {
  user: {
    username: 'User name', displayName: 'Name', kind: 'Kind', staff: 'Staff', resident: 'Resident', institution: 'Institution',
    roles: 'Roles', active: 'Status', lastLoginAt: 'Last sign-in', totp: 'Authenticator', locked: 'Locked', lockedUntil: 'Locked until',
    mustChangePassword: 'Must change password', keyword: 'Keyword', keywordPlaceholder: 'User name or name', create: 'New user',
    initialPassword: 'Initial password', initialPasswordHint: 'The user must change it and set up an authenticator at first sign-in',
    assignRoles: 'Roles', unlock: 'Unlock', enable: 'Enable', disable: 'Disable', resetPassword: 'Reset password',
    resetSecondFactor: 'Reset second factor', temporaryPassword: 'Temporary password (shown once; hand it over securely)',
    confirmDisable: '“{name}” will no longer be able to sign in. Disable?', confirmResetSecondFactor: 'Reset the authenticator of “{name}”? They must set it up again.',
    confirmResetPassword: 'Generate a new temporary password for “{name}”?', grantedRoles: 'Granted roles', addRole: 'Add role', grant: 'Grant',
    revoke: 'Remove', dataScope: 'Data scope',
  },
}
