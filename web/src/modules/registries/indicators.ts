/** Pure helpers of the indicator dashboard (tested in indicators.spec.ts): periods and their
 * pickers, value formatting, the scope totals of the cards, the district → institution
 * drill-down, and the chart options. Nothing here knows a program: the indicators come from the
 * program's metadata (``indicators:`` of its YAML file) through the API. */
import type { ChartOption } from '@/components/chart/echarts'

export type PeriodType = 'month' | 'quarter' | 'year'
export const PERIOD_TYPES: PeriodType[] = ['month', 'quarter', 'year']
export type GroupBy = 'district' | 'institution'

/** What the dashboard needs of an indicator's definition. */
export interface IndicatorInfo {
  code: string
  name: string
  factor: number
  decimals: number
  hasDenominator: boolean
}

/** What the dashboard needs of a row of values (one org × one indicator). */
export interface ValueRow {
  orgKey: string
  orgName: string
  districtCode?: string | null
  districtName?: string | null
  indicator: string
  numerator: number
  denominator?: number | null
  value?: number | null
}

type T = (key: string, params?: Record<string, unknown>) => string

const pad = (n: number) => String(n).padStart(2, '0')

/** Year and month (1–12) of a date in Shanghai (the registries count local dates). */
function localYearMonth(now: Date): [number, number] {
  const [y, m] = now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' }).split('-').map(Number)
  return [y, m]
}

/** The period a date falls in: "2026-07", "2026Q3" or "2026". */
export function periodOf(type: PeriodType, now: Date = new Date()): string {
  const [y, m] = localYearMonth(now)
  if (type === 'month') return `${y}-${pad(m)}`
  if (type === 'quarter') return `${y}Q${Math.ceil(m / 3)}`
  return String(y)
}

/** First and last month ("YYYY-MM") of a period. */
export function monthsOf(type: PeriodType, period: string): [string, string] {
  if (type === 'month') return [period, period]
  const year = Number(period.slice(0, 4))
  if (type === 'year') return [`${year}-01`, `${year}-12`]
  const q = Number(period.slice(5))
  return [`${year}-${pad(q * 3 - 2)}`, `${year}-${pad(q * 3)}`]
}

/** The month ``n`` months after "YYYY-MM" (negative: before). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number)
  const i = y * 12 + (m - 1) + n
  return `${Math.floor(i / 12)}-${pad((i % 12) + 1)}`
}

/** The months of the trend line: the twelve months that end with the selected period, or with
 * this month when the period is not over yet (months to come have nothing to show). */
export function trendRange(type: PeriodType, period: string, now: Date = new Date()): { from: string; to: string } {
  const [, last] = monthsOf(type, period)
  const thisMonth = periodOf('month', now)
  const to = last > thisMonth ? thisMonth : last
  return { from: addMonths(to, -11), to }
}

/** A period's name in the user's language: "2026年7月", "2026年第3季度", "2026年". */
export function periodLabel(type: PeriodType, period: string, t: T): string {
  const year = Number(period.slice(0, 4))
  if (type === 'month') return t('registries.indicators.periodName.month', { year, month: Number(period.slice(5, 7)) })
  if (type === 'quarter') return t('registries.indicators.periodName.quarter', { year, quarter: Number(period.slice(5)) })
  return t('registries.indicators.periodName.year', { year })
}

/** The picker's periods, newest first: 24 months, 12 quarters or 6 years up to now. */
export function periodOptions(type: PeriodType, t: T, now: Date = new Date()): { value: string; label: string }[] {
  const current = periodOf(type, now)
  const out: string[] = []
  if (type === 'month') for (let i = 0; i < 24; i++) out.push(addMonths(current, -i))
  else if (type === 'quarter') {
    let y = Number(current.slice(0, 4))
    let q = Number(current.slice(5))
    for (let i = 0; i < 12; i++) {
      out.push(`${y}Q${q}`)
      q -= 1
      if (q === 0) [y, q] = [y - 1, 4]
    }
  } else for (let i = 0; i < 6; i++) out.push(String(Number(current) - i))
  return out.map((value) => ({ value, label: periodLabel(type, value, t) }))
}

/** A month label on the trend's axis: "2026-07" → "2026年7月". */
export const monthLabel = (month: string, t: T): string => periodLabel('month', month, t)

/** Rates are multiplied by their factor: 100 reads as a percentage, 1000 per mille, 100 000
 * per 100 000 population (the public-health conventions); a count has no unit. Factors other
 * than these on a rate (e.g. 25 = 100 / 4 follow-ups a year) are still percentages. */
export function unitOf(ind: Pick<IndicatorInfo, 'factor' | 'hasDenominator'>, t: T): string {
  if (!ind.hasDenominator) return ''
  if (ind.factor === 1000) return '‰'
  if (ind.factor === 10000) return t('registries.indicators.perTenThousand')
  if (ind.factor === 100000) return t('registries.indicators.perHundredThousand')
  if (ind.factor > 1 && ind.factor <= 100) return '%'
  return ''
}

/** A value as the dashboard shows it: with the indicator's decimals and unit; "—" when it has no
 * value (a rate whose denominator is 0, or nothing counted). */
export function formatValue(value: number | null | undefined, ind: Pick<IndicatorInfo, 'factor' | 'hasDenominator' | 'decimals'>, t: T): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  const decimals = ind.hasDenominator ? ind.decimals : 0
  return `${value.toFixed(decimals)}${unitOf(ind, t)}`
}

/** numerator / denominator × factor, rounded to the indicator's decimals; null when the
 * denominator is 0. An indicator without a denominator is its numerator (a count), as the
 * server computes it (core/programs/service/stats.py ``value_of``). */
export function computeValue(numerator: number, denominator: number | null | undefined, ind: Pick<IndicatorInfo, 'factor' | 'decimals' | 'hasDenominator'>): number | null {
  if (!ind.hasDenominator) return numerator
  if (!denominator) return null
  const v = (numerator / denominator) * ind.factor
  const k = 10 ** ind.decimals
  return Math.round(v * k) / k
}

export interface ScopeTotal {
  numerator: number
  denominator: number | null
  value: number | null
}

/** The value of each indicator for the whole scope shown (the card): numerators and
 * denominators summed over the rows (each org counted once), then divided — never an average of
 * the orgs' rates. */
export function scopeTotals(rows: ValueRow[], indicators: IndicatorInfo[]): Record<string, ScopeTotal> {
  const out: Record<string, ScopeTotal> = {}
  for (const ind of indicators) {
    let numerator = 0
    let denominator = 0
    for (const r of rows) {
      if (r.indicator !== ind.code) continue
      numerator += r.numerator
      denominator += r.denominator ?? 0
    }
    const den = ind.hasDenominator ? denominator : null
    out[ind.code] = { numerator, denominator: den, value: computeValue(numerator, den, ind) }
  }
  return out
}

/** The rows of one indicator, ordered by value (highest first; no value last), then name. */
export function rowsOf<R extends ValueRow>(rows: R[], indicator: string): R[] {
  const score = (r: R) => (r.value === null || r.value === undefined ? -Infinity : r.value)
  return rows.filter((r) => r.indicator === indicator).sort((a, b) => score(b) - score(a) || a.orgName.localeCompare(b.orgName, 'zh-CN'))
}

// --------------------------------------------------------------------------- drill-down

/** Where the dashboard looks: the whole data scope by district or by institution, or one
 * district's institutions (after a click on that district). */
export interface Scope {
  groupBy: GroupBy
  district: string | null
  districtName: string | null
}

export const topScope = (groupBy: GroupBy = 'district'): Scope => ({ groupBy, district: null, districtName: null })

/** A click on a row: a district opens its institutions; an institution is already the bottom. */
export function drillInto(scope: Scope, row: Pick<ValueRow, 'orgKey' | 'orgName' | 'districtCode' | 'districtName'>): Scope {
  if (scope.groupBy !== 'district') return scope
  return { groupBy: 'institution', district: row.districtCode || row.orgKey, districtName: row.districtName || row.orgName }
}

/** Back from a district's institutions to all the districts. */
export function drillUp(scope: Scope): Scope {
  return scope.district ? topScope('district') : scope
}

/** Whether a row of this scope can be opened. */
export const canDrill = (scope: Scope): boolean => scope.groupBy === 'district'

/** The scope as the page's URL query (so a reload or a shared link shows the same view). */
export function scopeQuery(scope: Scope): Record<string, string | undefined> {
  return { groupBy: scope.groupBy, district: scope.district ?? undefined, districtName: scope.districtName ?? undefined }
}

export function scopeFromQuery(q: Record<string, unknown>): Scope {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null)
  const district = str(q.district)
  const groupBy: GroupBy = district || q.groupBy === 'institution' ? 'institution' : 'district'
  return { groupBy, district, districtName: district ? str(q.districtName) : null }
}

// --------------------------------------------------------------------------- charts

/** Bars of the chosen indicator's value per org (the top 30 by value). */
export function barChart(rows: ValueRow[], ind: IndicatorInfo, t: T): ChartOption | null {
  if (!rows.length) return null
  const top = rows.slice(0, 30)
  const crowded = top.length > 6
  const unit = unitOf(ind, t)
  return {
    // Figures, not a show: drawn at once, also when the period or the scope changes.
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 56, right: 24, top: 24, bottom: crowded ? 96 : 40 },
    xAxis: {
      type: 'category',
      data: top.map((r) => r.orgName),
      axisLabel: { rotate: crowded ? 35 : 0, interval: 0, width: crowded ? 120 : 200, overflow: 'truncate' },
    },
    yAxis: { type: 'value', minInterval: ind.hasDenominator ? undefined : 1, axisLabel: { formatter: unit === '%' || unit === '‰' ? `{value}${unit}` : '{value}' } },
    series: [{ name: ind.name, type: 'bar', itemStyle: { color: '#3b82f6' }, barMaxWidth: 48, data: top.map((r) => r.value ?? null) }],
  }
}

export interface TrendPointLike {
  period: string
  numerator: number
  denominator?: number | null
  value?: number | null
}

/** The month line of the chosen indicator: every month of the range on the axis (a month the
 * API did not return has no point). */
export function trendChart(points: TrendPointLike[], range: { from: string; to: string }, ind: IndicatorInfo, t: T): ChartOption | null {
  if (!points.length) return null
  const months: string[] = []
  for (let m = range.from; m <= range.to && months.length < 120; m = addMonths(m, 1)) months.push(m)
  const byMonth = new Map(points.map((p) => [p.period.slice(0, 7), p.value ?? null]))
  const unit = unitOf(ind, t)
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 56, right: 24, top: 24, bottom: 40 },
    xAxis: { type: 'category', data: months.map((m) => monthLabel(m, t)), boundaryGap: false },
    yAxis: { type: 'value', axisLabel: { formatter: unit === '%' || unit === '‰' ? `{value}${unit}` : '{value}' } },
    series: [{ name: ind.name, type: 'line', connectNulls: false, itemStyle: { color: '#10b981' }, data: months.map((m) => byMonth.get(m) ?? null) }],
  }
}
