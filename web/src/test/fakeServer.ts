/** A stand-in for the API at the HTTP boundary (the fetch the typed client calls), for unit
 * tests: answers registered per "METHOD /path", records what was sent. */
export interface SentRequest {
  method: string
  path: string
  search: string
  headers: Headers
  body: unknown
}

type Handler = (request: SentRequest) => Response | Promise<Response>

export function json(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': contentType } })
}

/** The API's error shape (healthnet/core/errors.py). */
export function problem(status: number, code: string, detail: string, errors: { field: string; code: string; message: string }[] = []): Response {
  return json(status, { type: 'about:blank', title: code, status, code, detail, errors }, 'application/problem+json')
}

export class FakeServer {
  readonly sent: SentRequest[] = []
  private handlers = new Map<string, Handler>()

  /** Answer ``METHOD /path`` (path without the query) with ``handler``'s response. */
  on(method: string, path: string, handler: Handler): this {
    this.handlers.set(`${method} ${path}`, handler)
    return this
  }

  reset(): void {
    this.sent.length = 0
    this.handlers.clear()
  }

  readonly fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init)
    const url = new URL(request.url)
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
    const sent: SentRequest = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    }
    this.sent.push(sent)
    const handler = this.handlers.get(`${sent.method} ${sent.path}`)
    return handler ? handler(sent) : problem(404, 'not_found', `no fake for ${sent.method} ${sent.path}`)
  }
}
