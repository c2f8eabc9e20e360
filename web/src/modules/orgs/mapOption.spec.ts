import { describe, expect, it } from 'vitest'
import type { District, Institution } from './api'
import { institutionMapOption } from './mapOption'

const district = (code: string, name: string, longitude: number, latitude: number): District => ({ code, name, nameEn: name, longitude, latitude })
const inst = (id: string, districtCode: string, longitude: number | null, latitude: number | null): Institution =>
  ({
    id, code: id, name: `机构${id}`, shortName: null, kind: 'cdc', kindLabel: '疾病预防控制中心', level: 'ungraded', levelLabel: '未定级',
    districtCode, districtName: districtCode === '310101' ? '黄浦区' : '徐汇区', address: null, longitude, latitude, beds: null,
    creditCode: null, phone: null, isActive: true, parentId: null, createdAt: '', updatedAt: '',
  }) as Institution

const districts = [district('310101', '黄浦区', 121.484, 31.232), district('310104', '徐汇区', 121.437, 31.188)]
const labels = { longitude: '经度', latitude: '纬度', level: '等级', kind: '类别', district: '区' }

describe('institutionMapOption', () => {
  it('draws one coloured series per district and counts institutions without coordinates', () => {
    const { option, missing, shown } = institutionMapOption(
      [inst('a', '310104', 121.43, 31.19), inst('b', '310101', 121.48, 31.23), inst('c', '310101', null, null), inst('d', '310104', 121.44, 31.18)],
      districts,
      labels,
    )
    const series = option.series as { name: string; data: { id?: string }[] }[]
    expect(series.filter((s) => s.name !== '__centres').map((s) => [s.name, s.data.map((p) => p.id)])).toEqual([
      ['黄浦区', ['b']],
      ['徐汇区', ['a', 'd']],
    ])
    expect(missing).toBe(1)
    expect(shown).toBe(3)
  })

  it('says name, level and district in the tooltip, escaping the text', () => {
    const { option } = institutionMapOption([inst('<x>', '310101', 121.48, 31.23)], districts, labels)
    const series = option.series as { name: string; data: unknown[] }[]
    const point = series.find((s) => s.name === '黄浦区')!.data[0]
    const text = (option.tooltip as { formatter: (p: unknown) => string }).formatter({ data: point })
    expect(text).toContain('机构&#60;x&#62;')
    expect(text).toContain('等级：未定级')
    expect(text).toContain('区：黄浦区')
  })

  it('keeps the axes around Shanghai when nothing has coordinates', () => {
    const { option, shown } = institutionMapOption([inst('a', '310101', null, null)], [], labels)
    expect(shown).toBe(0)
    expect((option.xAxis as { min: number }).min).toBeGreaterThan(120)
  })
})
