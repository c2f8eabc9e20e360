import { describe, expect, it } from 'vitest'
import { maskName } from './mask'

describe('maskName', () => {
  it('keeps the first and last character of a name', () => {
    expect(maskName('张晓明')).toBe('张*明')
    expect(maskName('欧阳春华')).toBe('欧**华')
    expect(maskName('李四')).toBe('李*')
  })

  it('leaves a masked name as it is', () => {
    expect(maskName('张*明')).toBe('张*明')
    expect(maskName('李*')).toBe('李*')
  })

  it('copes with nothing and with one character', () => {
    expect(maskName(undefined)).toBe('')
    expect(maskName('  ')).toBe('')
    expect(maskName('王')).toBe('王')
  })

  it('counts characters, not UTF-16 units (rare characters outside the BMP)', () => {
    expect(maskName('𠮷田家')).toBe('𠮷*家')
  })
})
