/** A form described as data: the registries define their forms this way, and the renderer
 * (SchemaForm.vue) draws and validates them. Messages are Chinese via vue-i18n. */
import type { FormItemRule } from 'element-plus'
import type { Option } from '@/components/list/types'

export type FieldType =
  | 'text' | 'textarea' | 'integer' | 'number' | 'date' | 'datetime' | 'boolean' | 'select' | 'multiselect' | 'radio'
  /** A code of a code system (remote picker: codeSystem, optionally codePrefixes). */
  | 'code'
  /** An institution id (components/pickers/InstitutionSelect.vue). */
  | 'institution'
  /** [longitude, latitude]. */
  | 'coordinate'

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
  /** Decimals a number keeps (number fields). */
  precision?: number
  /** 'code' fields: the code system searched, and the code ranges allowed (e.g. I60, I61). */
  codeSystem?: string
  codePrefixes?: string[]
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
  return v === undefined || v === null || v === '' || (Array.isArray(v) && (v.length === 0 || v.every((x) => x === null || x === undefined)))
}

/** The problems of one value against its field description (empty array: fine). */
export function validateValue(field: FieldSchema, value: unknown, t: T): string[] {
  if (isEmpty(value)) return field.required ? [t('common.required', { field: field.label })] : []
  const errors: string[] = []
  if (field.type === 'coordinate') {
    const c = Array.isArray(value) ? value : []
    const [lng, lat] = c as unknown[]
    if (c.length !== 2 || typeof lng !== 'number' || typeof lat !== 'number' || Math.abs(lng) > 180 || Math.abs(lat) > 90) return [t('form.coordinate')]
    return []
  }
  if (field.type === 'code' && typeof value === 'string' && field.codePrefixes?.length) {
    const v = value.trim().toUpperCase()
    if (!field.codePrefixes.some((p) => v.startsWith(p.toUpperCase()))) return [t('form.codeRange', { prefixes: field.codePrefixes.join(', ') })]
  }
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
    if (v === '' || isEmpty(v)) v = Array.isArray(v) && f.type === 'multiselect' ? [] : null
    if ((f.type === 'integer' || f.type === 'number') && v !== null && v !== undefined) v = Number(v)
    out[f.key] = v ?? null
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Program metadata (healthnet/core/programs, docs/dev/program-yaml.md) → field descriptions.
// A registry's forms are drawn from its definition alone: adding a program needs no front end.

export type ProgramValueType =
  | 'text' | 'long_text' | 'integer' | 'number' | 'date' | 'boolean' | 'option' | 'multi_option' | 'icd10' | 'organisation' | 'coordinate'

export interface ProgramElement {
  code: string
  name: string
  valueType: ProgramValueType
  required?: boolean
  help?: string | null
  unit?: string | null
  min?: number | null
  max?: number | null
  maxLength?: number | null
  optionSet?: string | null
  allowFuture?: boolean
  codePrefixes?: string[] | null
  decimals?: number | null
  /** Filled in by the program's rules only (BMI, z-scores): drawn read-only. */
  computed?: boolean
}

export interface ProgramSection {
  code: string
  name: string
  elements: string[]
}

export interface ProgramFormDef {
  elements: ProgramElement[]
  sections?: ProgramSection[]
}

export interface ProgramOptionSet {
  code: string
  name: string
  options: { code: string; name: string }[]
}

export interface ConvertOptions {
  /** Fields the server's rules hid (SaveResult.hidden): not drawn, not sent. */
  hidden?: string[]
  /** Fields a rule made required. */
  required?: string[]
  /** Labels of the yes / no answers of boolean elements and of the "other" section. */
  labels?: { yes: string; no: string; other: string }
}

const TEXT_MAX = 255
const LONG_TEXT_MAX = 5000

/** One data element as a SchemaForm field. Booleans are yes/no radios, so "not answered" stays
 * distinct from "no". */
export function elementToField(el: ProgramElement, optionSets: ProgramOptionSet[], opts: ConvertOptions = {}): FieldSchema {
  const labels = opts.labels ?? { yes: '是', no: '否', other: '其他' }
  const base: FieldSchema = {
    key: el.code,
    label: el.name,
    type: 'text',
    required: !el.computed && (Boolean(el.required) || (opts.required ?? []).includes(el.code)),
    ...(el.computed ? { disabled: true } : {}),
    ...(el.help ? { help: el.help } : {}),
    ...(el.unit ? { unit: el.unit } : {}),
  }
  const range = { ...(el.min != null ? { min: el.min } : {}), ...(el.max != null ? { max: el.max } : {}) }
  const options = () => (optionSets.find((s) => s.code === el.optionSet)?.options ?? []).map((o) => ({ label: o.name, value: o.code }))
  switch (el.valueType) {
    case 'text':
      return { ...base, type: 'text', maxLength: el.maxLength ?? TEXT_MAX }
    case 'long_text':
      return { ...base, type: 'textarea', maxLength: el.maxLength ?? LONG_TEXT_MAX, span: 24 }
    case 'integer':
      return { ...base, type: 'integer', ...range }
    case 'number':
      return { ...base, type: 'number', ...range, ...(el.decimals != null ? { precision: el.decimals } : {}) }
    case 'date':
      return { ...base, type: 'date' }
    case 'boolean':
      return { ...base, type: 'radio', options: [{ label: labels.yes, value: true }, { label: labels.no, value: false }] }
    case 'option':
      return { ...base, type: 'select', options: options() }
    case 'multi_option':
      return { ...base, type: 'multiselect', options: options() }
    case 'icd10':
      return { ...base, type: 'code', codeSystem: 'icd10', ...(el.codePrefixes?.length ? { codePrefixes: el.codePrefixes } : {}) }
    case 'organisation':
      return { ...base, type: 'institution' }
    case 'coordinate':
      return { ...base, type: 'coordinate' }
    default:
      return base
  }
}

/** A program form (the enrolment form or a stage) as SchemaForm fields and sections, in section
 * order; elements in no section come last (under "other" when the form has sections). */
export function programForm(
  form: ProgramFormDef,
  optionSets: ProgramOptionSet[],
  opts: ConvertOptions = {},
): { fields: FieldSchema[]; sections: Section[] } {
  const hidden = new Set(opts.hidden ?? [])
  const byCode = new Map(form.elements.map((e) => [e.code, e]))
  const sections = form.sections ?? []
  const fields: FieldSchema[] = []
  const placed = new Set<string>()
  for (const s of sections) {
    for (const code of s.elements) {
      const el = byCode.get(code)
      if (!el || placed.has(code)) continue
      placed.add(code)
      if (!hidden.has(code)) fields.push({ ...elementToField(el, optionSets, opts), section: s.code })
    }
  }
  const rest = form.elements.filter((e) => !placed.has(e.code) && !hidden.has(e.code))
  const OTHER = '__other'
  for (const el of rest) fields.push({ ...elementToField(el, optionSets, opts), ...(sections.length ? { section: OTHER } : {}) })
  const out: Section[] = sections.map((s) => ({ key: s.code, title: s.name }))
  if (sections.length && rest.length) out.push({ key: OTHER, title: opts.labels?.other ?? '其他' })
  return { fields, sections: out }
}

/** A stored value as text for reading (detail pages): option names, yes/no, coordinates. */
export function displayValue(field: FieldSchema, value: unknown): string {
  if (value === null || value === undefined || value === '') return ''
  if (Array.isArray(value)) {
    if (field.type === 'coordinate') return value.join(', ')
    return value.map((v) => field.options?.find((o) => o.value === v)?.label ?? String(v)).join('、')
  }
  const opt = field.options?.find((o) => o.value === value)
  if (opt) return opt.label
  const text = String(value)
  return field.unit ? `${text} ${field.unit}` : text
}
