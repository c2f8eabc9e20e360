import { describe, expect, it } from 'vitest'
import type { Prompt, StatsRow } from './api'
import { collectResponses, otherLine, percent, statsChart } from './present'

const prompt = (id: string, response: Prompt['response'] = null): Prompt => ({
  id,
  kind: 'drug_ingredient',
  ruleCode: 'DRUG-INGREDIENT',
  ruleName: '同成分重复用药',
  severity: 'warning',
  line: { kind: 'drug', index: 0, code: 'D1', name: '阿托伐他汀钙片' },
  withinOrder: false,
  earlier: { recordId: 'r1', institutionId: 'i1', institutionName: '上海市第六人民医院', date: '2026-11-07', name: '阿托伐他汀钙片', result: null, remainingDays: 12 },
  message: '…',
  response,
  reason: null,
  respondedBy: null,
  respondedAt: null,
})

describe('percent', () => {
  it('shows one decimal and a dash for no prompts', () => {
    expect(percent(1 / 3)).toBe('33.3%')
    expect(percent(0.25)).toBe('25.0%')
    expect(percent(1)).toBe('100.0%')
    expect(percent(null)).toBe('—')
  })
})

describe('otherLine', () => {
  it('numbers the other line of the same order from 1, and is null for an earlier record', () => {
    expect(otherLine(prompt('a'))).toBeNull()
    expect(otherLine({ ...prompt('b'), withinOrder: true, otherLineIndex: 0 })).toBe(1)
    expect(otherLine({ ...prompt('c'), withinOrder: true, otherLineIndex: 2 })).toBe(3)
  })
})

describe('collectResponses', () => {
  it('sends decided prompts, skips answered and undecided ones, and holds back overrides without a reason', () => {
    const prompts = [prompt('a'), prompt('b'), prompt('c'), prompt('d', 'accepted'), prompt('e')]
    const out = collectResponses(prompts, {
      a: { action: 'accepted', reason: '' },
      b: { action: 'overridden', reason: '  病情变化需复查 ' },
      c: { action: 'overridden', reason: '   ' },
      d: { action: 'overridden', reason: 'x' },
      e: { action: '', reason: '' },
    })
    expect(out.responses).toEqual([
      { promptId: 'a', action: 'accepted', reason: null },
      { promptId: 'b', action: 'overridden', reason: '病情变化需复查' },
    ])
    expect(out.missingReason).toEqual(['c'])
  })
})

describe('statsChart', () => {
  const labels = { prompts: '提示数', accepted: '采纳数', overridden: '忽略数', rate: '采纳率' }
  const row = (label: string, prompts: number, accepted: number, rate: number | null): StatsRow => ({
    key: label, label, prompts, accepted, overridden: 0, unanswered: prompts - accepted, acceptanceRate: rate,
  })

  it('draws nothing without rows', () => {
    expect(statsChart([], labels)).toBeNull()
  })

  it('draws three bar series and the rate in percent on a second axis', () => {
    const option = statsChart([row('甲医院', 3, 1, 1 / 3), row('乙医院', 0, 0, null)], labels) as Record<string, any>
    expect(option.xAxis.data).toEqual(['甲医院', '乙医院'])
    expect(option.series.map((s: { name: string }) => s.name)).toEqual(['提示数', '采纳数', '忽略数', '采纳率'])
    expect(option.series[0].data).toEqual([3, 0])
    expect(option.series[3].data).toEqual([33.3, null])
    expect(option.series[3].yAxisIndex).toBe(1)
  })
})
