/** The one HTTP client of the web UI: typed from the generated OpenAPI schema (openapi-fetch),
 * cookie sessions with the CSRF header on unsafe requests, errors thrown as ApiError. */
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError } from './errors'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const CSRF_COOKIES = ['__Host-hn_csrf', 'hn_csrf']
// The login steps answer 401 for a wrong password or code; that is no ended session. (Not a
// prefix match: /auth/login-log is an ordinary page's API.)
const LOGIN_FLOW = /^\/api\/v1\/auth\/login(\/|$)/

export function csrfToken(cookies: string = document.cookie): string | undefined {
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (CSRF_COOKIES.includes(name)) return decodeURIComponent(rest.join('='))
  }
  return undefined
}

type Listener = () => void
let lastActivity = Date.now()

/** When the server last answered a request of this session (each one resets its idle timer). */
export function lastApiActivity(): number {
  return lastActivity
}
const unauthenticatedListeners = new Set<Listener>()

/** Called when a request answers 401 outside the login flow: the session has ended. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener)
  return () => unauthenticatedListeners.delete(listener)
}

const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    if (UNSAFE.has(request.method)) {
      const token = csrfToken()
      if (token) request.headers.set('X-CSRF-Token', token)
    }
    request.headers.set('Accept-Language', document.documentElement.lang || 'zh-CN')
    return request
  },
  onResponse({ response, request }) {
    if (response.ok) lastActivity = Date.now()
    if (response.status === 401 && !LOGIN_FLOW.test(new URL(request.url).pathname)) {
      unauthenticatedListeners.forEach((l) => l())
    }
    return response
  },
}

export function makeClient(baseUrl = '', fetchImpl?: typeof fetch) {
  const client = createClient<paths>({
    baseUrl,
    credentials: 'same-origin',
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  })
  client.use(sessionMiddleware)
  return client
}

export const api = makeClient()

type Result<T> = { data?: T; error?: unknown; response: Response }

/** Awaits an openapi-fetch call and returns its data, or throws an ApiError carrying the
 * server's Chinese message and field errors. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>
  try {
    result = await call
  } catch {
    throw new ApiError(0, 'network', networkMessage())
  }
  const { data, error, response } = result
  if (!response.ok) throw ApiError.from(response.status, error, `${response.status} ${response.statusText}`)
  return data as T
}

let networkMessage = () => '网络连接失败，请检查网络后重试'
export function setNetworkMessage(fn: () => string): void {
  networkMessage = fn
}
