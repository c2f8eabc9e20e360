/** Pure helpers of the retrieval pages: one-line summaries of timeline entries, children grouped
 * by kind, and the ECharts option of a lab trend (tested in present.spec.ts). */
import type { ChartOption } from '@/components/chart/echarts'
import { formatDate, formatDateTime } from '@/utils/format'
import type { EntryKind, LabTrend, TimelineEntry } from './api'

type T = (key: string, params?: Record<string, unknown>) => string

/** The children of an encounter in display order, grouped by kind (empty kinds left out). */
export function groupChildren(entry: TimelineEntry): { kind: EntryKind; items: TimelineEntry[] }[] {
  const order: EntryKind[] = ['diagnosis', 'medication', 'lab', 'exam', 'document', 'immunization']
  return order
    .map((kind) => ({ kind, items: entry.children?.filter((c) => c.kind === kind) ?? [] }))
    .filter((g) => g.items.length > 0)
}

/** One line describing an entry (a withheld one says only that it is hidden). */
export function summary(e: TimelineEntry, t: T): string {
  if (e.withheld) return e.withheldMessage ?? t('records.withheld')
  switch (e.kind) {
    case 'encounter': {
      const enc = e.encounter
      if (!enc) return ''
      return [t(`records.classes.${enc.classCode}`), enc.departmentName, enc.reason].filter(Boolean).join(' · ')
    }
    case 'diagnosis':
      return e.diagnosis ? `${e.diagnosis.name}（${e.diagnosis.icd10Code}）` : ''
    case 'medication': {
      const m = e.medication
      if (!m) return ''
      const dose = m.dose != null ? `${m.dose}${m.doseUnit ?? ''}` : ''
      return [m.genericName, dose, m.frequency, m.route, m.daysSupply != null ? t('records.days', { n: m.daysSupply }) : ''].filter(Boolean).join(' ')
    }
    case 'lab': {
      const l = e.lab
      if (!l) return ''
      const flag = l.abnormalFlag && l.abnormalFlag !== 'N' ? ` ${arrow(l.abnormalFlag)}` : ''
      return `${l.itemName} ${l.value ?? ''}${l.unit ? ' ' + l.unit : ''}${flag}`
    }
    case 'exam':
      return e.exam ? `${e.exam.itemName}：${e.exam.conclusion ?? ''}` : ''
    case 'document':
      return e.document ? `${e.document.typeName} · ${e.document.title}` : ''
    case 'immunization':
      return e.immunization ? `${e.immunization.vaccineName}${e.immunization.doseNumber ? ` ${t('records.dose', { n: e.immunization.doseNumber })}` : ''}` : ''
  }
  return ''
}

/** HL7 table 0078: H/HH above, L/LL below the reference range. */
export function arrow(flag: string | null | undefined): string {
  if (!flag) return ''
  if (flag.startsWith('H')) return '↑'
  if (flag.startsWith('L')) return '↓'
  return flag === 'N' ? '' : '*'
}

export function isAbnormal(flag: string | null | undefined): boolean {
  return !!flag && flag !== 'N'
}

/** A line chart of one lab item: values over time, the reference range as a band, abnormal
 * points in red. Null when there is nothing numeric to draw. */
export function trendOption(trend: LabTrend, t: T): ChartOption | null {
  const points = trend.points.filter((p) => p.value != null)
  if (!points.length) return null
  const low = points.find((p) => p.referenceLow != null)?.referenceLow
  const high = points.find((p) => p.referenceHigh != null)?.referenceHigh
  const markArea = low != null && high != null ? { silent: true, itemStyle: { color: 'rgba(103, 194, 58, 0.12)' }, data: [[{ yAxis: low }, { yAxis: high }]] } : undefined
  return {
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const p = (params as { dataIndex: number }[])[0]
        const point = points[p?.dataIndex ?? 0]
        if (!point) return ''
        return `${formatDateTime(point.at)}<br/>${point.valueText ?? point.value}${point.unit ? ' ' + point.unit : ''} ${arrow(point.abnormalFlag)}<br/>${point.institutionName ?? ''}`
      },
    },
    grid: { left: 48, right: 16, top: 32, bottom: 40 },
    xAxis: { type: 'category', data: points.map((p) => formatDate(p.at)) },
    yAxis: { type: 'value', name: trend.unit ?? '', scale: true },
    series: [
      {
        type: 'line',
        name: trend.itemName ?? trend.itemCode,
        data: points.map((p) => ({ value: p.value, itemStyle: isAbnormal(p.abnormalFlag) ? { color: '#f56c6c' } : undefined })),
        symbolSize: 8,
        markArea,
      },
    ],
    title: trend.withheld ? { text: t('records.trend.withheld', { n: trend.withheld }), textStyle: { fontSize: 12, color: '#909399' }, right: 8 } : undefined,
  }
}
