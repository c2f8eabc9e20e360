/** File uploads to the import routes, and the row errors they answer with when they refuse a
 * file (healthnet/core/tabular.py ImportRejected: 422 with one error per bad cell or line). */
import { ApiError, type FieldError } from '@/api/errors'

/** A multipart body with one ``file`` part, as the import routes read it (openapi-fetch passes a
 * FormData through and lets the browser set the boundary). */
export function fileBody(file: File): never {
  const form = new FormData()
  form.append('file', file, file.name)
  return form as never
}

export interface RowError extends FieldError {
  /** Line in the file (the header's line for header problems); 0 when not about a line. */
  line: number
  /** The header as written in the file ("" when the problem is the whole line). */
  column: string
}

/** The row errors of a refused import, in file order; [] for any other error. */
export function rowErrorsOf(e: unknown): RowError[] {
  if (!(e instanceof ApiError)) return []
  return e.fieldErrors
    .map((f) => {
      const r = f as Partial<RowError>
      return { field: f.field, code: f.code, message: f.message, line: Number(r.line ?? 0), column: String(r.column ?? '') }
    })
    .sort((a, b) => a.line - b.line)
}
