import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

// openapi-fetch binds the global fetch when the client module is created, so the fake is
// installed before any import (the HTTP boundary; everything above it is real).
const http = vi.hoisted(() => {
  const calls: string[] = []
  let answer: (path: string) => { status: number; body: unknown } = () => ({ status: 404, body: {} })
  const fake = async (input: Request | string) => {
    const url = new URL(typeof input === 'string' ? input : input.url, 'http://localhost')
    calls.push(url.pathname)
    const { status, body } = answer(url.pathname)
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' } })
  }
  globalThis.fetch = fake as typeof fetch
  return { calls, respond: (fn: typeof answer) => (answer = fn) }
})

import { clearDictCache, loadDict, useDict } from './useDict'
import { i18n } from '@/i18n'

const GENDER = [
  { value: '1', label: '男性', labelEn: 'Male', tagType: '' },
  { value: '2', label: '女性', labelEn: 'Female', tagType: 'danger' },
]

beforeEach(() => {
  http.calls.length = 0
  clearDictCache()
  i18n.global.locale.value = 'zh-CN'
  http.respond((path) => (path === '/api/v1/sysconf/dicts/gender/items' ? { status: 200, body: GENDER } : { status: 404, body: { code: 'sysconf.dict_not_found', detail: '数据字典不存在' } }))
})
afterEach(() => {
  i18n.global.locale.value = 'zh-CN'
})

describe('useDict', () => {
  it('shows the Chinese labels and tag types of stored values', async () => {
    const gender = useDict('gender')
    expect(gender.loading.value).toBe(true)
    await gender.ready
    expect(gender.loading.value).toBe(false)
    expect(gender.label('2')).toBe('女性')
    expect(gender.label(1)).toBe('男性')
    expect(gender.tagType('2')).toBe('danger')
    expect(gender.tagType('1')).toBeUndefined()
    expect(gender.options.value).toEqual([
      { value: '1', label: '男性', tagType: '' },
      { value: '2', label: '女性', tagType: 'danger' },
    ])
  })

  it('shows an unknown value as it is stored and nothing for no value', async () => {
    const gender = useDict('gender')
    await gender.ready
    expect(gender.label('7')).toBe('7')
    expect(gender.label(null)).toBe('')
  })

  it('asks the server once per dictionary, however many pages use it', async () => {
    const a = useDict('gender')
    const b = useDict('gender')
    await Promise.all([a.ready, b.ready])
    await loadDict('gender')
    expect(http.calls).toEqual(['/api/v1/sysconf/dicts/gender/items'])
    expect(b.label('1')).toBe('男性')
  })

  it('loads again after the cache is cleared (the dictionary page changed it)', async () => {
    await useDict('gender').ready
    GENDER[0] = { ...GENDER[0], label: '男' }
    clearDictCache('gender')
    const again = useDict('gender')
    await again.ready
    expect(again.label('1')).toBe('男')
    expect(http.calls).toHaveLength(2)
    GENDER[0] = { ...GENDER[0], label: '男性' }
  })

  it('uses the English labels when the console is in English', async () => {
    i18n.global.locale.value = 'en'
    const gender = useDict('gender')
    await gender.ready
    expect(gender.label('2')).toBe('Female')
    expect(gender.options.value.map((o) => o.label)).toEqual(['Male', 'Female'])
  })

  it('shows the server message when a dictionary cannot be loaded, and tries again next time', async () => {
    const missing = useDict('no_such')
    await missing.ready
    expect(missing.error.value).toBe('数据字典不存在')
    expect(missing.options.value).toEqual([])
    await useDict('no_such').ready
    expect(http.calls).toEqual(['/api/v1/sysconf/dicts/no_such/items', '/api/v1/sysconf/dicts/no_such/items'])
  })
})
