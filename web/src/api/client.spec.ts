import { afterEach, describe, expect, it, vi } from 'vitest'
import { csrfToken, makeClient, onUnauthenticated, unwrap } from './client'
import { ApiError } from './errors'
import { FakeServer, json, problem } from '@/test/fakeServer'

const server = new FakeServer()
const client = makeClient('http://localhost', server.fetch as typeof fetch)

function clearCookie(name: string) {
  document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`
}

afterEach(() => {
  server.reset()
  clearCookie('hn_csrf')
})

describe('CSRF header', () => {
  it('is sent on unsafe methods from the hn_csrf cookie', async () => {
    document.cookie = 'hn_csrf=tok%2Babc; path=/'
    server.on('POST', '/api/v1/auth/logout', () => new Response(null, { status: 204 }))
    await unwrap(client.POST('/api/v1/auth/logout'))
    expect(server.sent[0].headers.get('X-CSRF-Token')).toBe('tok+abc')
  })

  it('is not sent on GET', async () => {
    document.cookie = 'hn_csrf=tok; path=/'
    server.on('GET', '/api/v1/auth/me', () => json(200, { id: 'u1' }))
    await unwrap(client.GET('/api/v1/auth/me'))
    expect(server.sent[0].headers.has('X-CSRF-Token')).toBe(false)
  })

  it('is read from the __Host- cookie over HTTPS', () => {
    expect(csrfToken('a=1; __Host-hn_csrf=secure%3D; b=2')).toBe('secure=')
    expect(csrfToken('a=1')).toBeUndefined()
  })
})

describe('errors', () => {
  it('turns problem+json into an ApiError with the message, code and field errors', async () => {
    server.on('POST', '/api/v1/auth/users', () =>
      problem(422, 'validation_failed', '请求参数不正确', [
        { field: 'display_name', code: 'missing', message: '请填写姓名' },
        { field: 'roleCodes', code: 'invalid', message: '角色不存在' },
        { field: 'display_name', code: 'too_long', message: '姓名过长' },
      ]),
    )
    const error = await unwrap(
      client.POST('/api/v1/auth/users', { body: { username: 'zhang', displayName: '', password: 'x', roleCodes: ['nope'] } }),
    ).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ApiError)
    const e = error as ApiError
    expect(e.status).toBe(422)
    expect(e.message).toBe('请求参数不正确')
    expect(e.code).toBe('validation_failed')
    // snake_case from services and camelCase from request models both land on the form's name;
    // the first message of a field wins.
    expect(e.byField()).toEqual({ displayName: '请填写姓名', roleCodes: '角色不存在' })
  })

  it('gives a body that is not problem+json a status code and the status text', async () => {
    server.on('GET', '/api/v1/auth/me', () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const e = (await unwrap(client.GET('/api/v1/auth/me')).catch((x: unknown) => x)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(502)
    expect(e.code).toBe('http_502')
    expect(e.message).toBe('502 Bad Gateway')
  })

  it('reports a network failure as status 0 with the Chinese message', async () => {
    const offline = makeClient('http://localhost', (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch)
    const e = (await unwrap(offline.GET('/api/v1/auth/me')).catch((x: unknown) => x)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(0)
    expect(e.code).toBe('network')
    expect(e.message).toBe('网络连接失败，请检查网络后重试')
  })
})

describe('401', () => {
  it('outside the login flow tells the listeners the session ended', async () => {
    const listener = vi.fn()
    const stop = onUnauthenticated(listener)
    server.on('GET', '/api/v1/auth/me', () => problem(401, 'auth.unauthenticated', '请先登录'))
    await unwrap(client.GET('/api/v1/auth/me')).catch(() => undefined)
    stop()
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('on /auth/login (a wrong password) does not', async () => {
    const listener = vi.fn()
    const stop = onUnauthenticated(listener)
    server.on('POST', '/api/v1/auth/login', () => problem(401, 'auth.invalid_credentials', '用户名或密码错误'))
    const e = (await unwrap(
      client.POST('/api/v1/auth/login', { body: { username: 'zhang', password: 'wrong', session: 'cookie' } }),
    ).catch((x: unknown) => x)) as ApiError
    stop()
    expect(e.message).toBe('用户名或密码错误')
    expect(listener).not.toHaveBeenCalled()
  })

  it('on a later login step (a wrong code) does not, on the login log page it does', async () => {
    const listener = vi.fn()
    const stop = onUnauthenticated(listener)
    server.on('POST', '/api/v1/auth/login/totp', () => problem(401, 'auth.second_factor_invalid', '动态验证码错误'))
    server.on('GET', '/api/v1/auth/login-log', () => problem(401, 'auth.unauthenticated', '请先登录'))
    await unwrap(client.POST('/api/v1/auth/login/totp', { body: { ticket: 't'.repeat(24), code: '000000' } })).catch(() => undefined)
    expect(listener).not.toHaveBeenCalled()
    await unwrap(client.GET('/api/v1/auth/login-log')).catch(() => undefined)
    stop()
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('stops reaching a listener once it unsubscribed', async () => {
    const listener = vi.fn()
    onUnauthenticated(listener)()
    server.on('GET', '/api/v1/auth/me', () => problem(401, 'auth.unauthenticated', '请先登录'))
    await unwrap(client.GET('/api/v1/auth/me')).catch(() => undefined)
    expect(listener).not.toHaveBeenCalled()
  })
})
