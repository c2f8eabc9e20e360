import { describe, expect, it } from 'vitest'
import type { LabTrend, TimelineEntry } from './api'
import { arrow, groupChildren, summary, trendOption } from './present'

const t = (key: string, params?: Record<string, unknown>) => (params ? `${key}:${JSON.stringify(params)}` : key)

const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
  kind: 'encounter',
  id: 'e1',
  at: '2026-01-02T03:04:05Z',
  institutionId: 'i1',
  institutionName: '甲医院',
  children: [],
  withheld: false,
  revealed: false,
  ...over,
})

describe('summary', () => {
  it('says only that a withheld entry is hidden, whatever its kind', () => {
    const e = entry({ kind: 'lab', id: null, withheld: true, withheldMessage: '该记录已按居民意愿隐藏' })
    expect(summary(e, t)).toBe('该记录已按居民意愿隐藏')
  })

  it('shows a lab value with its unit and an arrow when abnormal', () => {
    const e = entry({
      kind: 'lab',
      lab: { itemCode: 'FBG', itemName: '空腹血糖', value: '7.2', valueNumeric: 7.2, unit: 'mmol/L', referenceRange: '3.9-6.1', abnormalFlag: 'H', specimen: null, reportedAt: null },
    })
    expect(summary(e, t)).toBe('空腹血糖 7.2 mmol/L ↑')
  })

  it('names a diagnosis with its ICD-10 code', () => {
    const e = entry({ kind: 'diagnosis', diagnosis: { icd10Code: 'I10', name: '高血压', kind: 'primary', recordedAt: '2026-01-02T00:00:00Z' } })
    expect(summary(e, t)).toBe('高血压（I10）')
  })
})

describe('groupChildren', () => {
  it('groups an encounter\'s children by kind in a fixed order, leaving out empty kinds', () => {
    const kids = [entry({ kind: 'lab', id: 'l' }), entry({ kind: 'diagnosis', id: 'd' }), entry({ kind: 'lab', id: 'l2' })]
    expect(groupChildren(entry({ children: kids })).map((g) => [g.kind, g.items.length])).toEqual([
      ['diagnosis', 1],
      ['lab', 2],
    ])
  })
})

describe('trendOption', () => {
  const trend = (values: (number | null)[], withheld = 0): LabTrend => ({
    itemCode: 'FBG',
    itemName: '空腹血糖',
    unit: 'mmol/L',
    withheld,
    access: { ground: 'care', purpose: 'treatment', breakGlass: false, hiddenRevealed: false },
    points: values.map((v, i) => ({
      id: `p${i}`,
      at: `2026-0${i + 1}-01T00:00:00Z`,
      value: v,
      valueText: v == null ? '阴性' : String(v),
      unit: 'mmol/L',
      referenceLow: 3.9,
      referenceHigh: 6.1,
      abnormalFlag: v != null && v > 6.1 ? 'H' : 'N',
      institutionId: 'i1',
      institutionName: '甲医院',
      revealed: false,
    })),
  })

  it('plots the numeric results with the reference range as a band and abnormal points in red', () => {
    const option = trendOption(trend([5.1, null, 7.9]), t) as { series: { data: { value: number; itemStyle?: { color: string } }[]; markArea: { data: unknown } }[] }
    const data = option.series[0].data
    expect(data.map((d) => d.value)).toEqual([5.1, 7.9])
    expect(data[1].itemStyle?.color).toBe('#f56c6c')
    expect(data[0].itemStyle).toBeUndefined()
    expect(option.series[0].markArea.data).toEqual([[{ yAxis: 3.9 }, { yAxis: 6.1 }]])
  })

  it('has nothing to draw without numbers, and says how many results were withheld', () => {
    expect(trendOption(trend([null]), t)).toBeNull()
    const option = trendOption(trend([5], 2), t) as { title: { text: string } }
    expect(option.title.text).toContain('records.trend.withheld')
  })

  it('marks highs and lows', () => {
    expect([arrow('H'), arrow('LL'), arrow('N'), arrow(null)]).toEqual(['↑', '↓', '', ''])
  })
})
