import { describe, expect, it } from 'vitest'
import { translate } from '@/i18n'
import { initialValues, outputValues, validateValue, visibleFields, type FieldSchema } from './schema'

const t = (key: string, params?: Record<string, unknown>) => translate(key, params)
const check = (field: Omit<FieldSchema, 'key'>, value: unknown) => validateValue({ key: 'f', ...field }, value, t)

describe('validateValue', () => {
  it('asks for a required value, naming the field', () => {
    for (const empty of [undefined, null, '', []]) {
      expect(check({ label: '姓名', type: 'text', required: true }, empty)).toEqual(['请填写姓名'])
    }
    expect(check({ label: '备注', type: 'text' }, '')).toEqual([])
  })

  it('takes whole numbers only for integer fields, decimals for number fields', () => {
    expect(check({ label: '次数', type: 'integer' }, 2.5)).toEqual(['请输入数字'])
    expect(check({ label: '次数', type: 'integer' }, '3')).toEqual([])
    expect(check({ label: '体重', type: 'number' }, 62.5)).toEqual([])
    expect(check({ label: '体重', type: 'number' }, 'abc')).toEqual(['请输入数字'])
  })

  it('keeps numbers between min and max', () => {
    const age: Omit<FieldSchema, 'key'> = { label: '年龄', type: 'integer', min: 0, max: 150 }
    expect(check(age, -1)).toEqual(['不能小于 0'])
    expect(check(age, 151)).toEqual(['不能大于 150'])
    expect(check(age, 0)).toEqual([])
    expect(check(age, 150)).toEqual([])
  })

  it('limits the length of text', () => {
    expect(check({ label: '备注', type: 'textarea', maxLength: 5 }, '六个字的备注')).toEqual(['不能超过 5 个字符'])
    expect(check({ label: '备注', type: 'textarea', maxLength: 5 }, '五个字备注')).toEqual([])
  })

  it('checks a pattern, with the field’s own message when it has one', () => {
    const phone: Omit<FieldSchema, 'key'> = { label: '手机号', type: 'text', pattern: '^1[3-9]\\d{9}$', patternMessage: '请输入 11 位手机号' }
    expect(check(phone, '1380013800')).toEqual(['请输入 11 位手机号'])
    expect(check(phone, '13800138000')).toEqual([])
    expect(check({ label: '编码', type: 'text', pattern: '^[A-Z]+$' }, 'abc')).toEqual(['格式不正确'])
  })

  it('accepts only the listed options of a select', () => {
    const sex: Omit<FieldSchema, 'key'> = { label: '性别', type: 'select', options: [{ label: '男', value: '1' }, { label: '女', value: '2' }] }
    expect(check(sex, '2')).toEqual([])
    expect(check(sex, '9')).toEqual(['格式不正确'])
  })
})

describe('hidden fields and output', () => {
  const fields: FieldSchema[] = [
    { key: 'name', label: '姓名', type: 'text', required: true },
    { key: 'hasAllergy', label: '有无过敏史', type: 'boolean' },
    { key: 'allergen', label: '过敏原', type: 'text', required: true, visibleWhen: (v) => v.hasAllergy === true },
    { key: 'weight', label: '体重', type: 'number' },
    { key: 'doses', label: '剂次', type: 'integer', default: 1 },
    { key: 'tags', label: '标签', type: 'multiselect' },
  ]

  it('starts from the given values, then the defaults, then empty of the right kind', () => {
    expect(initialValues(fields, { name: '张三' })).toEqual({ name: '张三', hasAllergy: false, allergen: null, weight: null, doses: 1, tags: [] })
  })

  it('leaves out a field whose condition does not hold', () => {
    expect(visibleFields(fields, { hasAllergy: false }).map((f) => f.key)).not.toContain('allergen')
    expect(visibleFields(fields, { hasAllergy: true }).map((f) => f.key)).toContain('allergen')
  })

  it('sends visible fields only, numbers as numbers and empty text as null', () => {
    const values = { name: '', hasAllergy: false, allergen: '青霉素', weight: '62.5', doses: '2', tags: ['a'] }
    expect(outputValues(fields, values)).toEqual({ name: null, hasAllergy: false, weight: 62.5, doses: 2, tags: ['a'] })
  })
})
