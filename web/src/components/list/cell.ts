import { formatDate, formatDateTime } from '@/utils/format'
import type { ColumnDef } from './types'

export function getPath(row: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), row)
}

/** The text a cell shows, also what Excel export writes. */
export function cellText(col: ColumnDef<never>, row: Record<string, unknown>, t: (k: string) => string): string {
  if (col.format) return col.format(row as never)
  const v = getPath(row, col.prop)
  if (v === null || v === undefined) return ''
  if (col.options) {
    const o = col.options.find((opt) => opt.value === v)
    if (o) return o.label
  }
  if (col.kind === 'datetime') return formatDateTime(v as string)
  if (col.kind === 'date') return formatDate(v as string)
  if (col.kind === 'boolean' || typeof v === 'boolean') return v ? t('common.yes') : t('common.no')
  if (Array.isArray(v)) return v.join('、')
  return String(v)
}
