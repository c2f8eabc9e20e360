import { describe, expect, it } from 'vitest'
import { dayRange, filenameFromDisposition, lines, mergeIndexedErrors, subjectParts, withDayRange } from './utils'

describe('dayRange', () => {
  it('covers whole Shanghai days, end exclusive', () => {
    expect(dayRange(['2025-03-01', '2025-03-31'], 'since', 'until')).toEqual({
      since: '2025-02-28T16:00:00.000Z',
      until: '2025-03-31T16:00:00.000Z',
    })
  })
  it('a single day is 24 hours', () => {
    const r = dayRange(['2025-12-31', '2025-12-31'], 'a', 'b')
    expect(new Date(r.b).getTime() - new Date(r.a).getTime()).toBe(24 * 3600 * 1000)
  })
  it('no range, no times', () => {
    expect(dayRange([], 'a', 'b')).toEqual({})
    expect(dayRange('', 'a', 'b')).toEqual({})
  })
  it('replaces the range filter in a query', () => {
    expect(withDayRange({ page: 1, pageSize: 20, result: 'failure', occurred: ['2025-01-01', '2025-01-01'] }, 'occurred', 'since', 'until')).toEqual({
      page: 1, pageSize: 20, result: 'failure', since: '2024-12-31T16:00:00.000Z', until: '2025-01-01T16:00:00.000Z',
    })
  })
})

describe('filenameFromDisposition', () => {
  it('decodes RFC 5987 names (the audit export sends Chinese names this way)', () => {
    expect(filenameFromDisposition("attachment; filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97.xlsx")).toBe('审计日志.xlsx')
  })
  it('reads plain names and nothing', () => {
    expect(filenameFromDisposition('attachment; filename="healthnet.crl"')).toBe('healthnet.crl')
    expect(filenameFromDisposition(null)).toBeNull()
  })
})

describe('mergeIndexedErrors', () => {
  it('shows a list item error under the list field, naming the line', () => {
    expect(mergeIndexedErrors({ 'redirectUris[1]': '回调地址无效', name: '必填' })).toEqual({ redirectUris: '回调地址无效（#2）', name: '必填' })
  })
})

describe('subjectParts', () => {
  it('finds holder and organisation in the subject', () => {
    expect(subjectParts('User ID: abc, Common Name: 张三, Organizational Unit: 内科, Organization: 市一医院, Country: CN')).toEqual({
      name: '张三', organization: '市一医院',
    })
  })
})

describe('lines', () => {
  it('drops blanks and spaces', () => {
    expect(lines(' https://a/cb \n\n https://b/cb\r\n')).toEqual(['https://a/cb', 'https://b/cb'])
  })
})
