import { describe, expect, it, vi } from 'vitest'
import { nextTick, reactive } from 'vue'
import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { i18n } from '@/i18n'
import SchemaForm from './SchemaForm.vue'
import type { FieldSchema } from './schema'

const fields: FieldSchema[] = [
  { key: 'name', label: '姓名', type: 'text', required: true },
  { key: 'age', label: '年龄', type: 'integer', min: 0, max: 150 },
  { key: 'sex', label: '性别', type: 'select', options: [{ label: '男', value: '1' }, { label: '女', value: '2' }] },
  { key: 'weeks', label: '孕周', type: 'integer', required: true, visibleWhen: (v) => v.sex === '2' },
]

function mountForm(values: Record<string, unknown>, errors: Record<string, string> = {}) {
  return mount(SchemaForm, {
    props: { fields, modelValue: values, errors },
    global: { plugins: [ElementPlus, i18n] },
    attachTo: document.body,
  })
}

const shownKeys = (w: ReturnType<typeof mountForm>) => w.findAll('[data-field]').map((e) => e.attributes('data-field'))
const errorText = (w: ReturnType<typeof mountForm>, key: string) => w.find(`[data-field="${key}"] .el-form-item__error`)

// Element Plus shows a field's error 100 ms after its state changes (debounced).
const errorUnder = (w: ReturnType<typeof mountForm>, key: string) => vi.waitFor(() => errorText(w, key).text())

describe('SchemaForm', () => {
  it('draws one labelled field per visible schema entry', () => {
    const w = mountForm(reactive({ name: '', age: null, sex: '1', weeks: null }))
    expect(shownKeys(w)).toEqual(['name', 'age', 'sex'])
    expect(w.findAll('.el-form-item__label').map((l) => l.text())).toEqual(['姓名', '年龄', '性别'])
    w.unmount()
  })

  it('shows a field once its visibleWhen condition holds', async () => {
    const values = reactive<Record<string, unknown>>({ name: '', age: null, sex: '1', weeks: null })
    const w = mountForm(values)
    expect(shownKeys(w)).not.toContain('weeks')
    values.sex = '2'
    await nextTick()
    expect(shownKeys(w)).toContain('weeks')
    w.unmount()
  })

  it('shows a server error under the field it names', async () => {
    const w = mountForm(reactive({ name: '张三', age: 30, sex: '1', weeks: null }), { name: '该居民已登记' })
    expect(await errorUnder(w, 'name')).toBe('该居民已登记')
    expect(errorText(w, 'age').exists()).toBe(false)
    w.unmount()
  })

  it('refuses to validate without a required value, saying which', async () => {
    const w = mountForm(reactive({ name: '', age: 30, sex: '1', weeks: null }))
    const form = w.vm as unknown as { validate: () => Promise<boolean> }
    expect(await form.validate()).toBe(false)
    expect(await errorUnder(w, 'name')).toBe('请填写姓名')
    w.unmount()
  })

  it('does not hold the form up on a required field that is hidden', async () => {
    const values = reactive<Record<string, unknown>>({ name: '张三', age: 30, sex: '1', weeks: null })
    const w = mountForm(values)
    const form = w.vm as unknown as { validate: () => Promise<boolean> }
    expect(await form.validate()).toBe(true)
    values.sex = '2'
    await nextTick()
    expect(await form.validate()).toBe(false)
    expect(await errorUnder(w, 'weeks')).toBe('请填写孕周')
    w.unmount()
  })
})
