import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'

export type TotpEnrolment = components['schemas']['TotpEnrolmentRead']

export const accountApi = {
  changePassword: (currentPassword: string, password: string) =>
    unwrap(api.POST('/api/v1/auth/password', { body: { currentPassword, password } })),
  startTotp: () => unwrap(api.POST('/api/v1/auth/totp/enrolment')),
  confirmTotp: (code: string) => unwrap(api.POST('/api/v1/auth/totp/enrolment/confirm', { body: { code } })).then((r) => r.codes),
  recoveryCodes: (code: string) => unwrap(api.POST('/api/v1/auth/totp/recovery-codes', { body: { code } })).then((r) => r.codes),
}
