/** A form described as data: the registries define their forms this way, and the renderer
 * (SchemaForm.vue) draws and validates them. Messages are Chinese via vue-i18n. */
import type { FormItemRule } from 'element-plus'
import type { Option } from '@/components/list/types'

export type FieldType =
  | 'text' | 'textarea' | 'integer' | 'number' | 'date' | 'datetime' | 'boolean' | 'select' | 'multiselect' | 'radio'

export interface FieldSchema {
  key: string
  label: string
  type: FieldType
  required?: boolean
  options?: Option[]
  min?: number
  max?: number
  maxLength?: number
  pattern?: string
  patternMessage?: string
  unit?: string
  help?: string
  placeholder?: string
  /** Shown only when this returns true for the current values (DHIS2 "hide field" actions). */
  visibleWhen?: (values: Record<string, unknown>) => boolean
  /** Columns out of 24 (default 12: two fields a row). */
  span?: number
  section?: string
  default?: unknown
  disabled?: boolean
}

export interface Section {
  key: string
  title: string
}

type T = (key: string, params?: Record<string, unknown>) => string

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)
}

/** The problems of one value against its field description (empty array: fine). */
export function validateValue(field: FieldSchema, value: unknown, t: T): string[] {
  if (isEmpty(value)) return field.required ? [t('common.required', { field: field.label })] : []
  const errors: string[] = []
  if (field.type === 'integer' || field.type === 'number') {
    const n = typeof value === 'number' ? value : Number(value)
    if (Number.isNaN(n) || (field.type === 'integer' && !Number.isInteger(n))) return [t('form.number')]
    if (field.min !== undefined && n < field.min) errors.push(t('form.min', { n: field.min }))
    if (field.max !== undefined && n > field.max) errors.push(t('form.max', { n: field.max }))
  }
  if (typeof value === 'string') {
    if (field.maxLength !== undefined && value.length > field.maxLength) errors.push(t('form.tooLong', { n: field.maxLength }))
    if (field.pattern && !new RegExp(field.pattern).test(value)) errors.push(field.patternMessage ?? t('form.pattern'))
  }
  if ((field.type === 'select' || field.type === 'radio') && field.options && !field.options.some((o) => o.value === value)) {
    errors.push(t('form.pattern'))
  }
  return errors
}

export function rulesFor(fields: FieldSchema[], t: T): Record<string, FormItemRule[]> {
  const rules: Record<string, FormItemRule[]> = {}
  for (const f of fields) {
    rules[f.key] = [
      {
        trigger: f.type === 'text' || f.type === 'textarea' ? 'blur' : 'change',
        required: f.required,
        validator: (_rule, value, callback) => {
          const errs = validateValue(f, value, t)
          callback(errs.length ? new Error(errs[0]) : undefined)
        },
      },
    ]
  }
  return rules
}

export function initialValues(fields: FieldSchema[], given: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of fields) {
    out[f.key] = given[f.key] ?? f.default ?? (f.type === 'multiselect' ? [] : f.type === 'boolean' ? false : null)
  }
  return out
}

/** The fields shown for these values (hidden fields are neither drawn nor validated nor sent). */
export function visibleFields(fields: FieldSchema[], values: Record<string, unknown>): FieldSchema[] {
  return fields.filter((f) => !f.visibleWhen || f.visibleWhen(values))
}

/** The values to send: visible fields only, numbers as numbers, empty strings as null. */
export function outputValues(fields: FieldSchema[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of visibleFields(fields, values)) {
    let v = values[f.key]
    if (v === '') v = null
    if ((f.type === 'integer' || f.type === 'number') && v !== null && v !== undefined) v = Number(v)
    out[f.key] = v ?? null
  }
  return out
}
