import { describe, expect, it } from 'vitest'
import { translate } from '@/i18n'
import {
  addMonths,
  barChart,
  canDrill,
  computeValue,
  drillInto,
  drillUp,
  formatValue,
  monthsOf,
  periodLabel,
  periodOf,
  periodOptions,
  rowsOf,
  scopeFromQuery,
  scopeQuery,
  scopeTotals,
  topScope,
  trendChart,
  trendRange,
  unitOf,
  type IndicatorInfo,
  type ValueRow,
} from './indicators'

const t = (key: string, params?: Record<string, unknown>) => translate(key, params)
// 2026-09-30 20:00 UTC is already 1 October in Shanghai: the fourth quarter.
const lateSeptemberUtc = new Date('2026-09-30T20:00:00Z')
const midJuly = new Date('2026-07-15T04:00:00Z')

const rate: IndicatorInfo = { code: 'control', name: '血糖控制率', factor: 100, decimals: 1, hasDenominator: true }
const count: IndicatorInfo = { code: 'managed', name: '管理人数', factor: 1, decimals: 1, hasDenominator: false }
const row = (orgKey: string, indicator: string, numerator: number, denominator: number | null, value: number | null, extra: Partial<ValueRow> = {}): ValueRow => ({
  orgKey, orgName: `机构${orgKey}`, indicator, numerator, denominator, value, ...extra,
})

describe('periods', () => {
  it('a date falls in the Shanghai month, quarter and year', () => {
    expect(periodOf('month', midJuly)).toBe('2026-07')
    expect(periodOf('quarter', midJuly)).toBe('2026Q3')
    expect(periodOf('year', midJuly)).toBe('2026')
    expect(periodOf('month', lateSeptemberUtc)).toBe('2026-10')
    expect(periodOf('quarter', lateSeptemberUtc)).toBe('2026Q4')
  })

  it('a period spans its months', () => {
    expect(monthsOf('month', '2026-02')).toEqual(['2026-02', '2026-02'])
    expect(monthsOf('quarter', '2026Q1')).toEqual(['2026-01', '2026-03'])
    expect(monthsOf('quarter', '2026Q4')).toEqual(['2026-10', '2026-12'])
    expect(monthsOf('year', '2025')).toEqual(['2025-01', '2025-12'])
  })

  it('months are added across years', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2025-12', 1)).toBe('2026-01')
    expect(addMonths('2026-07', -11)).toBe('2025-08')
    expect(addMonths('2026-03', 24)).toBe('2028-03')
  })

  it('the trend covers the twelve months ending with the chosen period', () => {
    const later = new Date('2027-03-01T04:00:00Z')
    expect(trendRange('month', '2026-07', later)).toEqual({ from: '2025-08', to: '2026-07' })
    expect(trendRange('quarter', '2026Q3', later)).toEqual({ from: '2025-10', to: '2026-09' })
    expect(trendRange('year', '2026', later)).toEqual({ from: '2026-01', to: '2026-12' })
  })

  it('a period not over yet ends its trend with this month', () => {
    expect(trendRange('year', '2026', midJuly)).toEqual({ from: '2025-08', to: '2026-07' })
    expect(trendRange('quarter', '2026Q3', midJuly)).toEqual({ from: '2025-08', to: '2026-07' })
    expect(trendRange('month', '2026-07', midJuly)).toEqual({ from: '2025-08', to: '2026-07' })
  })

  it('periods are named in Chinese', () => {
    expect(periodLabel('month', '2026-07', t)).toBe('2026年7月')
    expect(periodLabel('quarter', '2026Q3', t)).toBe('2026年第3季度')
    expect(periodLabel('year', '2026', t)).toBe('2026年')
  })

  it('the picker lists the periods up to now, newest first, across year ends', () => {
    const months = periodOptions('month', t, midJuly)
    expect(months).toHaveLength(24)
    expect(months[0]).toEqual({ value: '2026-07', label: '2026年7月' })
    expect(months[6].value).toBe('2026-01')
    expect(months[7].value).toBe('2025-12')
    const quarters = periodOptions('quarter', t, midJuly).map((o) => o.value)
    expect(quarters.slice(0, 5)).toEqual(['2026Q3', '2026Q2', '2026Q1', '2025Q4', '2025Q3'])
    expect(quarters).toHaveLength(12)
    expect(periodOptions('year', t, midJuly).map((o) => o.value)).toEqual(['2026', '2025', '2024', '2023', '2022', '2021'])
  })
})

describe('values', () => {
  it('rates carry their unit from the factor; counts none', () => {
    expect(unitOf(rate, t)).toBe('%')
    expect(unitOf({ factor: 25, hasDenominator: true }, t)).toBe('%')
    expect(unitOf({ factor: 1000, hasDenominator: true }, t)).toBe('‰')
    expect(unitOf({ factor: 100000, hasDenominator: true }, t)).toBe('/10万')
    expect(unitOf({ factor: 1, hasDenominator: true }, t)).toBe('')
    expect(unitOf(count, t)).toBe('')
  })

  it('a value shows its decimals and unit, a count is whole, no value is a dash', () => {
    expect(formatValue(66.66666, rate, t)).toBe('66.7%')
    expect(formatValue(50, rate, t)).toBe('50.0%')
    expect(formatValue(0, { ...rate, decimals: 2 }, t)).toBe('0.00%')
    expect(formatValue(12, count, t)).toBe('12')
    expect(formatValue(null, rate, t)).toBe('—')
    expect(formatValue(undefined, count, t)).toBe('—')
  })

  it('a value is numerator / denominator × factor, none when the denominator is 0', () => {
    expect(computeValue(2, 3, rate)).toBe(66.7)
    expect(computeValue(3, 4, { factor: 25, decimals: 1, hasDenominator: true })).toBe(18.8)
    expect(computeValue(1, 0, rate)).toBeNull()
    expect(computeValue(7, null, count)).toBe(7)
  })

  it('the card of a scope divides the summed counts, it does not average the rates', () => {
    const rows = [
      row('A', 'control', 1, 1, 100),
      row('B', 'control', 1, 3, 33.3),
      row('C', 'control', 0, 0, null),
      row('A', 'managed', 4, null, 4),
      row('B', 'managed', 6, null, 6),
    ]
    const totals = scopeTotals(rows, [rate, count])
    expect(totals.control).toEqual({ numerator: 2, denominator: 4, value: 50 })
    expect(totals.managed).toEqual({ numerator: 10, denominator: null, value: 10 })
    expect(scopeTotals([], [rate]).control).toEqual({ numerator: 0, denominator: 0, value: null })
  })

  it("an indicator's rows are ordered by value, those without one last", () => {
    const rows = [row('A', 'control', 0, 0, null), row('B', 'control', 1, 3, 33.3), row('C', 'control', 1, 1, 100), row('C', 'managed', 1, null, 1)]
    expect(rowsOf(rows, 'control').map((r) => r.orgKey)).toEqual(['C', 'B', 'A'])
  })
})

describe('drill-down', () => {
  const xuhui = row('310104', 'control', 1, 2, 50, { orgName: '徐汇区', districtCode: '310104', districtName: '徐汇区' })
  const hospital = row('inst-1', 'control', 1, 2, 50, { orgName: '徐汇康宁', districtCode: '310104', districtName: '徐汇区' })

  it('a district opens its institutions, and back returns to all districts', () => {
    const top = topScope()
    expect(canDrill(top)).toBe(true)
    const inXuhui = drillInto(top, xuhui)
    expect(inXuhui).toEqual({ groupBy: 'institution', district: '310104', districtName: '徐汇区' })
    expect(canDrill(inXuhui)).toBe(false)
    expect(drillInto(inXuhui, hospital)).toBe(inXuhui)
    expect(drillUp(inXuhui)).toEqual(topScope('district'))
  })

  it('a district row without district fields is named by its own key and name', () => {
    expect(drillInto(topScope(), row('310115', 'control', 0, 0, null, { orgName: '浦东新区' }))).toMatchObject({ district: '310115', districtName: '浦东新区' })
  })

  it('institutions of the whole scope are the bottom; back does nothing there', () => {
    const all = topScope('institution')
    expect(canDrill(all)).toBe(false)
    expect(drillInto(all, hospital)).toBe(all)
    expect(drillUp(all)).toBe(all)
  })

  it('the scope survives the URL', () => {
    for (const s of [topScope(), topScope('institution'), drillInto(topScope(), xuhui)]) expect(scopeFromQuery(scopeQuery(s))).toEqual(s)
    expect(scopeFromQuery({ groupBy: 'nonsense' })).toEqual(topScope())
    expect(scopeFromQuery({ district: '310104' })).toEqual({ groupBy: 'institution', district: '310104', districtName: null })
  })
})

describe('charts', () => {
  it('bars compare the orgs of the chosen indicator, none without rows', () => {
    const option = barChart(rowsOf([row('A', 'control', 1, 2, 50), row('B', 'control', 1, 1, 100)], 'control'), rate, t) as Record<string, any>
    expect(option.xAxis.data).toEqual(['机构B', '机构A'])
    expect(option.series[0].data).toEqual([100, 50])
    expect(option.yAxis.axisLabel.formatter).toBe('{value}%')
    expect(barChart([], rate, t)).toBeNull()
  })

  it('the trend has every month of the range, with gaps where the API has none', () => {
    const option = trendChart([{ period: '2026-02', numerator: 1, denominator: 2, value: 50 }, { period: '2026-04', numerator: 0, denominator: 0, value: null }], { from: '2026-01', to: '2026-04' }, rate, t) as Record<string, any>
    expect(option.xAxis.data).toEqual(['2026年1月', '2026年2月', '2026年3月', '2026年4月'])
    expect(option.series[0].data).toEqual([null, 50, null, null])
    expect(trendChart([], { from: '2026-01', to: '2026-04' }, rate, t)).toBeNull()
  })
})
