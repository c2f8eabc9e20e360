/** Pure helpers of the prompt pages (tested in present.spec.ts). */
import type { ChartOption } from '@/components/chart/echarts'
import type { Prompt, ResponseIn, StatsRow } from './api'

/** 0.3333 → "33.3%"; no prompts → "—". */
export function percent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—'
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`
}

/** The line (1-based, in its list: drugs or items) of the new order that a prompt's line
 * duplicates, or null when the prompt names an earlier record of the patient. */
export function otherLine(p: Pick<Prompt, 'withinOrder' | 'otherLineIndex'>): number | null {
  return p.withinOrder && p.otherLineIndex != null ? p.otherLineIndex + 1 : null
}

export interface Decision {
  action: '' | 'accepted' | 'overridden'
  reason: string
}

/** The responses to send for the prompts the doctor decided on, and the ids of overridden
 * prompts that still lack a reason (the server refuses them too). */
export function collectResponses(prompts: Prompt[], decisions: Record<string, Decision>): { responses: ResponseIn[]; missingReason: string[] } {
  const responses: ResponseIn[] = []
  const missingReason: string[] = []
  for (const p of prompts) {
    const d = decisions[p.id]
    if (p.response || !d || !d.action) continue
    const reason = d.reason.trim()
    if (d.action === 'overridden' && !reason) {
      missingReason.push(p.id)
      continue
    }
    responses.push({ promptId: p.id, action: d.action, reason: reason || null })
  }
  return { responses, missingReason }
}

/** Bars of prompts, accepted and overridden per row (the top 30), and the acceptance rate as a
 * line on a second axis. */
export function statsChart(rows: StatsRow[], labels: { prompts: string; accepted: string; overridden: string; rate: string }): ChartOption | null {
  if (!rows.length) return null
  const top = rows.slice(0, 30)
  const crowded = top.length > 6
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 36, bottom: crowded ? 96 : 40 },
    xAxis: {
      type: 'category',
      data: top.map((r) => r.label),
      axisLabel: { rotate: crowded ? 35 : 0, interval: 0, width: crowded ? 120 : 240, overflow: 'truncate' },
    },
    yAxis: [
      { type: 'value', minInterval: 1 },
      { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    ],
    series: [
      { name: labels.prompts, type: 'bar', itemStyle: { color: '#3b82f6' }, data: top.map((r) => r.prompts) },
      { name: labels.accepted, type: 'bar', itemStyle: { color: '#10b981' }, data: top.map((r) => r.accepted) },
      { name: labels.overridden, type: 'bar', itemStyle: { color: '#f59e0b' }, data: top.map((r) => r.overridden) },
      {
        name: labels.rate,
        type: 'line',
        yAxisIndex: 1,
        itemStyle: { color: '#ef4444' },
        data: top.map((r) => (r.acceptanceRate === null || r.acceptanceRate === undefined ? null : Math.round(r.acceptanceRate * 1000) / 10)),
      },
    ],
  }
}
