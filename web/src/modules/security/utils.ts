/** Small helpers of the security pages: date ranges as API times, file names, copying, field
 * errors of list fields. */
import type { Filters } from '@/composables/useList'

const SHANGHAI = '+08:00'

/** A date-range filter (["YYYY-MM-DD", "YYYY-MM-DD"], days in Asia/Shanghai) as the start of
 * the first day and the start of the day after the last (the APIs take an exclusive end). */
export function dayRange(range: unknown, fromKey: string, toKey: string): Record<string, string> {
  if (!Array.isArray(range) || range.length !== 2 || !range[0] || !range[1]) return {}
  const start = new Date(`${range[0]}T00:00:00${SHANGHAI}`)
  const end = new Date(`${range[1]}T00:00:00${SHANGHAI}`)
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return {}
  end.setUTCDate(end.getUTCDate() + 1)
  return { [fromKey]: start.toISOString(), [toKey]: end.toISOString() }
}

/** The list query with the date-range filter ``prop`` replaced by the API's two time fields. */
export function withDayRange<Q extends Filters>(q: Q, prop: string, fromKey: string, toKey: string): Filters {
  const { [prop]: range, ...rest } = q
  return { ...rest, ...dayRange(range, fromKey, toKey) }
}

/** The file name of a Content-Disposition header (RFC 6266: filename* wins over filename). */
export function filenameFromDisposition(header: string | null | undefined): string | null {
  if (!header) return null
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header)
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ''))
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header)
  return plain ? (plain[2] ?? plain[1]).trim() : null
}

/** Server field errors of list items ("redirectUris[2]") under the list's own field. */
export function mergeIndexedErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, message] of Object.entries(errors)) {
    const m = /^([^[]+)\[(\d+)\]$/.exec(key)
    if (m) out[m[1]] ??= `${message}（#${Number(m[2]) + 1}）`
    else out[key] ??= message
  }
  return out
}

/** Text lines of a textarea, trimmed, without blanks. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
}

/** Copies text; falls back to a hidden textarea where the Clipboard API is unavailable (plain
 * http on an intranet host is not a secure context). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    /* try the fallback */
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.appendChild(area)
  area.select()
  let ok = false
  try {
    ok = document.execCommand('copy')
  } catch {
    ok = false
  }
  area.remove()
  return ok
}

/** The "Common Name" and "Organization" of a certificate subject as the API shows it
 * (asn1crypto's human-friendly form: "User ID: …, Common Name: 张三, Organization: …"). */
export function subjectParts(subject: string): { name: string; organization: string } {
  const pick = (label: string) => new RegExp(`(?:^|, )${label}: ([^,]*)`).exec(subject)?.[1]?.trim() ?? ''
  return { name: pick('Common Name'), organization: pick('Organization') }
}

export function textFile(content: string, type = 'application/x-pem-file'): Blob {
  return new Blob([content], { type })
}
