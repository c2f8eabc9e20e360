import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { json, problem, type FakeServer } from '@/test/fakeServer'
import { ApiError } from '@/api/errors'
import { useAuthStore } from './auth'

// The store talks through the app's one client, which takes the global fetch when it is created:
// the fake API goes in before the imports run (vi.hoisted).
const server: FakeServer = await vi.hoisted(async () => {
  const { FakeServer } = await import('@/test/fakeServer')
  const s = new FakeServer()
  globalThis.fetch = s.fetch as typeof fetch
  return s
})

const TICKET = 't'.repeat(24)
const ME = {
  id: 'u1',
  username: 'zhangsan',
  displayName: '张三',
  kind: 'staff',
  institutionId: null,
  districtCode: null,
  permissions: ['auth:user:read', 'auth:user:write'],
  totpEnabled: true,
  recoveryCodesLeft: 10,
  mustChangePassword: false,
  sessionIdleMinutes: 30,
}

beforeEach(() => {
  setActivePinia(createPinia())
  server.on('GET', '/api/v1/auth/me', () => json(200, ME))
})
afterEach(() => server.reset())

describe('staged login', () => {
  it('goes from credentials to the second factor with its methods, then done with the user loaded', async () => {
    server.on('POST', '/api/v1/auth/login', () => json(200, { stage: 'second_factor', ticket: TICKET, methods: ['totp', 'recovery_code'] }))
    server.on('POST', '/api/v1/auth/login/totp', () => json(200, { stage: 'done' }))
    const auth = useAuthStore()
    expect(auth.step.stage).toBe('credentials')

    await auth.login('zhangsan', 'Secret-Pass-1')
    expect(auth.step).toMatchObject({ stage: 'second_factor', ticket: TICKET, methods: ['totp', 'recovery_code'] })
    expect(auth.me).toBeNull()
    expect(server.sent[0].body).toEqual({ username: 'zhangsan', password: 'Secret-Pass-1', session: 'cookie' })

    await auth.submitTotp('123456')
    expect(server.sent[1].body).toEqual({ ticket: TICKET, code: '123456' })
    expect(auth.step.stage).toBe('done')
    expect(auth.me?.displayName).toBe('张三')
  })

  it('ends at once for an account without a second factor (residents)', async () => {
    server.on('POST', '/api/v1/auth/login', () => json(200, { stage: 'done' }))
    const auth = useAuthStore()
    await auth.login('13800138000', 'Secret-Pass-1')
    expect(auth.step.stage).toBe('done')
    expect(auth.me?.username).toBe('zhangsan')
  })

  it('asks for a new password with the server’s reason, then continues', async () => {
    server.on('POST', '/api/v1/auth/login', () =>
      json(200, { stage: 'change_password', ticket: TICKET, reason: 'auth.password_expired', reasonText: '密码已超过 90 天未修改' }),
    )
    server.on('POST', '/api/v1/auth/login/password', () => json(200, { stage: 'second_factor', ticket: TICKET + 'x', methods: ['totp'] }))
    const auth = useAuthStore()
    await auth.login('zhangsan', 'Old-Pass-1')
    expect(auth.step).toMatchObject({ stage: 'change_password', reason: '密码已超过 90 天未修改' })

    await auth.changeExpiredPassword('New-Secret-Pass-2')
    expect(server.sent[1].body).toEqual({ ticket: TICKET, password: 'New-Secret-Pass-2' })
    expect(auth.step).toMatchObject({ stage: 'second_factor', ticket: TICKET + 'x' })
  })

  it('shows the recovery codes once after enrolling an authenticator, with the session already open', async () => {
    server.on('POST', '/api/v1/auth/login', () => json(200, { stage: 'second_factor', ticket: TICKET, methods: ['totp_enrolment'] }))
    server.on('POST', '/api/v1/auth/login/totp/enrolment/confirm', () =>
      json(200, { stage: 'done', recoveryCodes: ['aaaa-bbbb', 'cccc-dddd'] }),
    )
    const auth = useAuthStore()
    await auth.login('zhangsan', 'Secret-Pass-1')
    await auth.confirmTotpEnrolment('654321')
    expect(auth.step).toMatchObject({ stage: 'recovery_codes', recoveryCodes: ['aaaa-bbbb', 'cccc-dddd'] })
    expect(auth.me?.id).toBe('u1')

    auth.finishRecoveryCodes()
    expect(auth.step.stage).toBe('done')
  })

  it('keeps the credentials stage and throws the server’s message on a wrong password', async () => {
    server.on('POST', '/api/v1/auth/login', () => problem(401, 'auth.invalid_credentials', '用户名或密码错误'))
    const auth = useAuthStore()
    await expect(auth.login('zhangsan', 'wrong')).rejects.toThrow('用户名或密码错误')
    expect(auth.step.stage).toBe('credentials')
    expect(auth.me).toBeNull()
  })

  it('refuses a second-factor step without a ticket, without calling the server', async () => {
    const auth = useAuthStore()
    await expect(auth.submitTotp('123456')).rejects.toBeInstanceOf(ApiError)
    expect(server.sent).toHaveLength(0)
  })
})

describe('session', () => {
  it('loadMe returns null when there is no session', async () => {
    server.on('GET', '/api/v1/auth/me', () => problem(401, 'auth.unauthenticated', '请先登录'))
    expect(await useAuthStore().loadMe()).toBeNull()
  })

  it('loadMe lets other failures through', async () => {
    server.on('GET', '/api/v1/auth/me', () => problem(500, 'internal', '服务器内部错误'))
    await expect(useAuthStore().loadMe()).rejects.toThrow('服务器内部错误')
  })

  it('logout forgets the user and starts the login over', async () => {
    server.on('POST', '/api/v1/auth/login', () => json(200, { stage: 'done' }))
    server.on('POST', '/api/v1/auth/logout', () => new Response(null, { status: 204 }))
    const auth = useAuthStore()
    await auth.login('zhangsan', 'Secret-Pass-1')
    await auth.logout()
    expect(auth.me).toBeNull()
    expect(auth.step.stage).toBe('credentials')
  })
})

describe('can()', () => {
  it('allows what the user’s permissions include and what needs no permission', async () => {
    const auth = useAuthStore()
    expect(auth.can('auth:user:read')).toBe(false)
    await auth.loadMe()
    expect(auth.can('auth:user:read')).toBe(true)
    expect(auth.can('audit:record:read')).toBe(false)
    expect(auth.can(undefined)).toBe(true)
    expect(auth.can(null)).toBe(true)
  })
})
