/** The institutions map: an ECharts scatter on a longitude/latitude grid (no map tiles, no
 * boundary data: nothing is fetched from outside), one series per district so each district has
 * its colour and a legend entry, plus the district centres as grey labels for orientation. */
import type { ChartOption } from '@/components/chart/echarts'
import type { District, Institution } from './api'

export interface MapPoint {
  value: [number, number]
  id: string
  name: string
  level: string
  kind: string
  district: string
}

export interface MapLabels {
  longitude: string
  latitude: string
  level: string
  kind: string
  district: string
}

/** Points of the institutions that have both coordinates, grouped by district code. */
export function groupPoints(items: Institution[]): { byDistrict: Map<string, MapPoint[]>; missing: number } {
  const byDistrict = new Map<string, MapPoint[]>()
  let missing = 0
  for (const i of items) {
    if (i.longitude === null || i.latitude === null) {
      missing += 1
      continue
    }
    const point: MapPoint = {
      value: [i.longitude, i.latitude], id: i.id, name: i.name, level: i.levelLabel, kind: i.kindLabel, district: i.districtName,
    }
    const list = byDistrict.get(i.districtCode) ?? []
    list.push(point)
    byDistrict.set(i.districtCode, list)
  }
  return { byDistrict, missing }
}

/** Axis ends on a tenth of a degree beyond the points, so the end labels do not crowd the ticks. */
function bounds(values: number[], pad: number): { min: number; max: number } {
  const min = Math.min(...values)
  const max = Math.max(...values)
  return { min: Math.floor((min - pad) * 10) / 10, max: Math.ceil((max + pad) * 10) / 10 }
}

// Sixteen districts need sixteen colours (ECharts' default palette has nine).
const PALETTE = [
  '#1677c8', '#e8684a', '#5ab15a', '#f6bd16', '#6f5ef9', '#19a7ce', '#d6457a', '#8c6d31',
  '#2f4554', '#ff9845', '#1e9493', '#c23531', '#7cb305', '#9254de', '#fa8c16', '#5d7092',
]

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export function institutionMapOption(items: Institution[], districts: District[], labels: MapLabels): { option: ChartOption; missing: number; shown: number } {
  const { byDistrict, missing } = groupPoints(items)
  const centres = districts.filter((d) => d.longitude !== null && d.latitude !== null)
  const points = [...byDistrict.values()].flat()
  const lons = [...points.map((p) => p.value[0]), ...centres.map((d) => d.longitude as number)]
  const lats = [...points.map((p) => p.value[1]), ...centres.map((d) => d.latitude as number)]
  const x = lons.length ? bounds(lons, 0.02) : { min: 120.8, max: 122.0 }
  const y = lats.length ? bounds(lats, 0.02) : { min: 30.6, max: 31.9 }
  const order = districts.map((d) => d.code)
  const codes = [...byDistrict.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b))
  const nameOf = (code: string) => districts.find((d) => d.code === code)?.name ?? byDistrict.get(code)?.[0]?.district ?? code

  const option: ChartOption = {
    // Colours follow the district's place in the list of 16, so a district keeps its colour
    // whichever districts the search shows.
    grid: { left: 56, right: 24, top: 48, bottom: 48 },
    legend: { type: 'scroll', top: 0, data: codes.map(nameOf) },
    tooltip: {
      trigger: 'item',
      formatter: (p: { data?: MapPoint & { centre?: boolean } }) => {
        const d = p.data
        if (!d || d.centre) return ''
        return `<b>${escape(d.name)}</b><br/>${labels.level}：${escape(d.level)}<br/>${labels.kind}：${escape(d.kind)}<br/>${labels.district}：${escape(d.district)}`
      },
    },
    xAxis: { type: 'value', name: labels.longitude, nameLocation: 'middle', nameGap: 28, min: x.min, max: x.max, splitLine: { lineStyle: { type: 'dashed' } } },
    yAxis: { type: 'value', name: labels.latitude, nameLocation: 'middle', nameGap: 40, min: y.min, max: y.max, splitLine: { lineStyle: { type: 'dashed' } } },
    dataZoom: [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }, { type: 'inside', yAxisIndex: 0, filterMode: 'none' }],
    series: [
      {
        type: 'scatter',
        name: '__centres',
        silent: true,
        symbol: 'circle',
        symbolSize: 4,
        itemStyle: { color: '#cbd5e1' },
        label: { show: true, formatter: '{b}', color: '#94a3b8', fontSize: 11, position: 'bottom' },
        z: 1,
        data: centres.map((d) => ({ name: d.name, value: [d.longitude, d.latitude], centre: true })),
      },
      ...codes.map((code) => ({
        type: 'scatter',
        name: nameOf(code),
        symbolSize: 10,
        itemStyle: { color: PALETTE[Math.max(0, order.indexOf(code)) % PALETTE.length] },
        emphasis: { focus: 'series' },
        z: 2,
        data: byDistrict.get(code),
      })),
    ],
  }
  return { option, missing, shown: points.length }
}
