import { describe, expect, it } from 'vitest'
import { translate } from '@/i18n'
import {
  displayValue,
  elementToField,
  initialValues,
  outputValues,
  programForm,
  validateValue,
  type ProgramElement,
  type ProgramOptionSet,
} from '@/components/form/schema'
import type { ProgramDefinition, SaveResult } from './api'
import { saveNotes } from './save'
import { allowedTransitions, formOf, splitFieldErrors, stateName, todayLocal } from './useRegistry'

const t = (key: string, params?: Record<string, unknown>) => translate(key, params)
const sets: ProgramOptionSet[] = [
  { code: 'adherence', name: '服药依从性', options: [{ code: 'regular', name: '规律' }, { code: 'none', name: '不服药' }] },
  { code: 'basis', name: '诊断依据', options: [{ code: 'ct', name: 'CT' }, { code: 'mri', name: '磁共振' }] },
]
const el = (valueType: ProgramElement['valueType'], extra: Partial<ProgramElement> = {}): ProgramElement => ({ code: 'x', name: '项目', valueType, ...extra })
const conv = (e: ProgramElement) => elementToField(e, sets)

describe('elementToField: every value type of a program element', () => {
  it('text keeps the server limit of 255 unless maxLength says otherwise', () => {
    expect(conv(el('text', { required: true, help: '说明' }))).toMatchObject({ key: 'x', label: '项目', type: 'text', maxLength: 255, required: true, help: '说明' })
    expect(conv(el('text', { maxLength: 20 })).maxLength).toBe(20)
  })
  it('long text is a full-width text area of at most 5000', () => {
    expect(conv(el('long_text'))).toMatchObject({ type: 'textarea', maxLength: 5000, span: 24 })
    expect(conv(el('long_text', { maxLength: 200 })).maxLength).toBe(200)
  })
  it('integer and number carry unit, range and decimals', () => {
    expect(conv(el('integer', { unit: 'mmHg', min: 60, max: 300 }))).toMatchObject({ type: 'integer', unit: 'mmHg', min: 60, max: 300 })
    const n = conv(el('number', { unit: 'kg', min: 10, max: 300, decimals: 1 }))
    expect(n).toMatchObject({ type: 'number', unit: 'kg', min: 10, max: 300, precision: 1 })
    expect(validateValue(n, 5, t)).toEqual(['不能小于 10'])
    expect(conv(el('integer'))).not.toHaveProperty('min')
  })
  it('date is a date picker', () => {
    expect(conv(el('date')).type).toBe('date')
  })
  it('boolean is a yes/no choice, so "not answered" differs from "no"', () => {
    const f = conv(el('boolean', { required: true }))
    expect(f.type).toBe('radio')
    expect(f.options?.map((o) => o.value)).toEqual([true, false])
    expect(initialValues([f])).toEqual({ x: null })
    expect(validateValue(f, null, t)).toEqual(['请填写项目'])
    expect(validateValue(f, false, t)).toEqual([])
  })
  it('option and multi-option take the option set\'s codes and names', () => {
    const o = conv(el('option', { optionSet: 'adherence' }))
    expect(o).toMatchObject({ type: 'select', options: [{ label: '规律', value: 'regular' }, { label: '不服药', value: 'none' }] })
    const m = conv(el('multi_option', { optionSet: 'basis' }))
    expect(m.type).toBe('multiselect')
    expect(displayValue(m, ['ct', 'mri'])).toBe('CT、磁共振')
    expect(outputValues([m], { x: [] })).toEqual({ x: [] })
  })
  it('ICD-10 is a code picker of the icd10 system, limited to the element\'s ranges', () => {
    const f = conv(el('icd10', { codePrefixes: ['I60', 'I63'] }))
    expect(f).toMatchObject({ type: 'code', codeSystem: 'icd10', codePrefixes: ['I60', 'I63'] })
    expect(validateValue(f, 'I63.9', t)).toEqual([])
    expect(validateValue(f, 'i60.1', t)).toEqual([])
    expect(validateValue(f, 'E11.9', t)).toEqual(['编码须在 I60, I63 范围内'])
    expect(conv(el('icd10'))).not.toHaveProperty('codePrefixes')
  })
  it('organisation is an institution picker', () => {
    expect(conv(el('organisation')).type).toBe('institution')
  })
  it('coordinate is [longitude, latitude], both or neither', () => {
    const f = conv(el('coordinate'))
    expect(f.type).toBe('coordinate')
    expect(validateValue(f, [121.47, 31.23], t)).toEqual([])
    expect(validateValue(f, [121.47, null], t)).toEqual(['请填写经度（-180～180）和纬度（-90～90）'])
    expect(validateValue(f, [200, 31], t)).toHaveLength(1)
    expect(outputValues([f], { x: [null, null] })).toEqual({ x: null })
    expect(displayValue(f, [121.47, 31.23])).toBe('121.47, 31.23')
  })
  it('a field a rule requires becomes required', () => {
    expect(elementToField(el('text'), sets, { required: ['x'] }).required).toBe(true)
  })
  it('a computed element (z-score, BMI) is read-only and never required', () => {
    const f = elementToField(el('number', { computed: true, required: true, decimals: 2 }), sets, { required: ['x'] })
    expect(f).toMatchObject({ type: 'number', disabled: true, required: false, precision: 2 })
    expect(conv(el('number')).disabled).toBeUndefined()
  })
})

describe('programForm', () => {
  const form = {
    elements: [el('integer', { code: 'sbp', name: '收缩压' }), el('integer', { code: 'dbp', name: '舒张压' }), el('text', { code: 'note', name: '备注' }), el('boolean', { code: 'referred', name: '转诊' })],
    sections: [{ code: 'signs', name: '体征', elements: ['dbp', 'sbp'] }],
  }
  it('draws sections in order, in the section\'s element order, and the rest under "other"', () => {
    const { fields, sections } = programForm(form, sets)
    expect(fields.map((f) => [f.key, f.section])).toEqual([['dbp', 'signs'], ['sbp', 'signs'], ['note', '__other'], ['referred', '__other']])
    expect(sections).toEqual([{ key: 'signs', title: '体征' }, { key: '__other', title: '其他' }])
  })
  it('without sections, no section headings', () => {
    const { fields, sections } = programForm({ elements: form.elements }, sets)
    expect(sections).toEqual([])
    expect(fields.every((f) => f.section === undefined)).toBe(true)
  })
  it('leaves out the fields the server\'s rules hid', () => {
    const { fields, sections } = programForm(form, sets, { hidden: ['note', 'referred'] })
    expect(fields.map((f) => f.key)).toEqual(['dbp', 'sbp'])
    expect(sections).toEqual([{ key: 'signs', title: '体征' }])
  })
})

const def: ProgramDefinition = {
  code: 'htn', name: '高血压', kind: 'enrolment', optionSets: sets,
  enrolment: { elements: [el('date', { code: 'diagnosed_on', name: '确诊日期' })] },
  stages: [{ code: 'followup', name: '随访', repeatable: true, elements: [el('integer', { code: 'sbp', name: '收缩压' })] }],
  workflow: {
    initial: 'managed',
    states: [{ code: 'managed', name: '管理中' }, { code: 'closed', name: '已结案', terminal: true }],
    transitions: [
      { code: 'close', name: '结案', from: ['managed'], to: 'closed', roles: ['family_doctor'], noteRequired: true },
      { code: 'reopen', name: '恢复管理', from: ['closed'], to: 'managed', roles: ['family_doctor'] },
    ],
  },
}

describe('program definition helpers', () => {
  it('finds a form by stage code or "enrolment"', () => {
    expect(formOf(def, 'enrolment').fields.map((f) => f.key)).toEqual(['diagnosed_on'])
    expect(formOf(def, 'followup').fields.map((f) => f.key)).toEqual(['sbp'])
    expect(formOf(def, 'nope').fields).toEqual([])
  })
  it('offers the transitions open from the current state only', () => {
    expect(allowedTransitions(def, 'managed').map((x) => x.code)).toEqual(['close'])
    expect(allowedTransitions(def, 'closed').map((x) => x.code)).toEqual(['reopen'])
    expect(stateName(def, 'closed')).toBe('已结案')
    expect(stateName(def, 'unknown')).toBe('unknown')
  })
})

describe('server answers', () => {
  it('puts values.<element> errors under the element, keeping snake_case codes', () => {
    const r = splitFieldErrors([
      { field: 'values.diagnosed_on', code: 'x', message: '确诊日期不能晚于今天' },
      { field: 'values.diagnosed_on', code: 'y', message: '第二条' },
      { field: 'enrolledOn', code: 'z', message: '登记日期有误' },
    ])
    expect(r.values).toEqual({ diagnosed_on: '确诊日期不能晚于今天' })
    expect(r.other).toEqual({ enrolledOn: '登记日期有误' })
  })
  it('tells the warnings, hidden fields and scheduled events after a save', () => {
    const result = {
      enrolment: {} as SaveResult['enrolment'],
      warnings: [{ field: 'values.sbp', message: '血压控制不满意，2 周内再次随访', rule: 'r' }, { field: null, message: '请复查', rule: 'q' }],
      hidden: ['sbp'],
      scheduled: [{ eventId: 'e', stage: 'followup', dueOn: '2026-12-10' }],
      notified: 2,
    } as SaveResult
    const lines = saveNotes(result, formOf(def, 'followup').fields, (c) => (c === 'followup' ? '随访' : c), t, { sbp: 150 })
    expect(lines).toEqual(['收缩压：血压控制不满意，2 周内再次随访', '请复查', '以下项目按规则不适用，未保存：收缩压', '已安排下次随访：2026-12-10', '已通知 2 人'])
    // A hidden field the user left empty is not worth telling.
    expect(saveNotes({ ...result, warnings: [], scheduled: [], notified: 0 }, [], (c) => c, t, { sbp: null })).toEqual([])
  })
  it('dates "today" in Shanghai, not UTC', () => {
    expect(todayLocal(new Date('2026-11-25T17:30:00Z'))).toBe('2026-11-26')
  })
})
