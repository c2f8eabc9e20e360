/** Who is signed in, and the staged login (password → second factor / password change → done). */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, unwrap } from '@/api/client'
import { ApiError } from '@/api/errors'
import type { components } from '@/api/schema'

export type Me = components['schemas']['Me']
export type LoginResult = components['schemas']['LoginResult']
export type TotpEnrolment = components['schemas']['TotpEnrolmentRead']

export interface LoginStep {
  stage: 'credentials' | 'second_factor' | 'change_password' | 'recovery_codes' | 'done'
  ticket?: string
  methods: string[]
  recoveryCodes?: string[]
  reason?: string
}

export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null)
  const step = ref<LoginStep>({ stage: 'credentials', methods: [] })
  const sessionExpired = ref(false)
  const permissions = computed(() => new Set(me.value?.permissions ?? []))

  function can(permission: string | undefined | null): boolean {
    return !permission || permissions.value.has(permission)
  }

  /** Loads the signed-in user; null when there is no live session. Also resets the idle timer. */
  async function loadMe(): Promise<Me | null> {
    try {
      me.value = await unwrap(api.GET('/api/v1/auth/me'))
      sessionExpired.value = false
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) me.value = null
      else throw e
    }
    return me.value
  }

  async function advance(result: LoginResult): Promise<void> {
    if (result.recoveryCodes?.length) {
      // Shown once, right after enrolling an authenticator; the session is already open.
      step.value = { stage: 'recovery_codes', methods: [], recoveryCodes: result.recoveryCodes }
      await loadMe()
      return
    }
    step.value = {
      stage: result.stage,
      ticket: result.ticket ?? undefined,
      methods: result.methods ?? [],
      reason: result.reasonText ?? undefined,
    }
    if (result.stage === 'done') await loadMe()
  }

  async function login(username: string, password: string): Promise<void> {
    await advance(await unwrap(api.POST('/api/v1/auth/login', { body: { username, password, session: 'cookie' } })))
  }

  function ticket(): string {
    if (!step.value.ticket) throw new ApiError(400, 'ticket_missing', '')
    return step.value.ticket
  }

  async function submitTotp(code: string): Promise<void> {
    await advance(await unwrap(api.POST('/api/v1/auth/login/totp', { body: { ticket: ticket(), code } })))
  }

  async function submitRecoveryCode(code: string): Promise<void> {
    await advance(await unwrap(api.POST('/api/v1/auth/login/recovery-code', { body: { ticket: ticket(), code } })))
  }

  async function startTotpEnrolment(): Promise<TotpEnrolment> {
    return unwrap(api.POST('/api/v1/auth/login/totp/enrolment', { body: { ticket: ticket() } }))
  }

  async function confirmTotpEnrolment(code: string): Promise<void> {
    await advance(
      await unwrap(api.POST('/api/v1/auth/login/totp/enrolment/confirm', { body: { ticket: ticket(), code } })),
    )
  }

  async function certChallenge(): Promise<{ challengeId: string; nonce: string }> {
    return unwrap(api.POST('/api/v1/auth/login/cert/challenge', { body: { ticket: ticket() } }))
  }

  async function submitCert(challengeId: string, certificatePem: string, signature: string): Promise<void> {
    await advance(
      await unwrap(
        api.POST('/api/v1/auth/login/cert', {
          body: { ticket: ticket(), challengeId, certificatePem, signature },
        }),
      ),
    )
  }

  async function changeExpiredPassword(password: string): Promise<void> {
    await advance(await unwrap(api.POST('/api/v1/auth/login/password', { body: { ticket: ticket(), password } })))
  }

  function finishRecoveryCodes(): void {
    step.value = { stage: 'done', methods: [] }
  }

  function restart(): void {
    step.value = { stage: 'credentials', methods: [] }
  }

  async function logout(): Promise<void> {
    try {
      await unwrap(api.POST('/api/v1/auth/logout'))
    } finally {
      me.value = null
      restart()
    }
  }

  return {
    me, step, sessionExpired, permissions, can, loadMe, login, submitTotp, submitRecoveryCode,
    startTotpEnrolment, confirmTotpEnrolment, certChallenge, submitCert, changeExpiredPassword,
    finishRecoveryCodes, restart, logout,
  }
})
