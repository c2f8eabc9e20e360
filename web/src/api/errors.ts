/** The API's one error shape (problem+json, healthnet/core/errors.py) as a thrown value. */
export interface FieldError {
  field: string
  code: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly fieldErrors: FieldError[]
  readonly requestId?: string

  constructor(status: number, code: string, detail: string, fieldErrors: FieldError[] = [], requestId?: string) {
    super(detail)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fieldErrors = fieldErrors
    this.requestId = requestId
  }

  /** Field errors keyed by the form's (camelCase) property name. The API names fields as the
   * request model does (camelCase) or, from services, in snake_case: both are accepted. */
  byField(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const e of this.fieldErrors) out[camelCase(e.field)] ??= e.message
    return out
  }

  static from(status: number, body: unknown, fallback: string): ApiError {
    if (body && typeof body === 'object' && 'code' in body) {
      const b = body as { code: string; detail?: string; errors?: FieldError[]; requestId?: string }
      return new ApiError(status, b.code, b.detail ?? fallback, b.errors ?? [], b.requestId)
    }
    return new ApiError(status, `http_${status}`, fallback)
  }
}

export function camelCase(field: string): string {
  return field.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())
}
