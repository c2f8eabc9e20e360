import { describe, expect, it } from 'vitest'
import { markRaw } from 'vue'
import { PLANNED_TILES, visibleTiles, type H5Tile } from './tiles'

const icon = markRaw({ render: () => null })
const can = (granted: string[]) => (p: string | undefined) => !p || granted.includes(p)

describe('visibleTiles', () => {
  it('shows the planned services as coming soon while no module provides them', () => {
    const tiles = visibleTiles([], can([]))
    expect(tiles.map((t) => t.title)).toEqual(['h5.tiles.vaccines', 'h5.tiles.records', 'h5.tiles.reports', 'h5.tiles.accessLog'])
    expect(tiles.every((t) => t.path === undefined)).toBe(true)
  })

  it('replaces a placeholder with the module tile of the same key, in its place', () => {
    const booking: H5Tile = { key: 'vaccines', title: 'vaccines.h5.tile', icon, path: '/vaccines', permission: 'vaccines:booking:create', order: 10 }
    const tiles = visibleTiles([booking], can(['vaccines:booking:create']))
    expect(tiles.map((t) => t.key)).toEqual(['vaccines', 'records', 'reports', 'access-log'])
    expect(tiles[0].path).toBe('/vaccines')
  })

  it('hides a module tile the account has no permission for', () => {
    const booking: H5Tile = { key: 'vaccines', title: 'vaccines.h5.tile', icon, path: '/vaccines', permission: 'vaccines:booking:create' }
    const tiles = visibleTiles([booking], can([]))
    expect(tiles.map((t) => t.key)).toEqual(PLANNED_TILES.filter((t) => t.key !== 'vaccines').map((t) => t.key))
  })

  it('puts tiles without an order after the planned ones', () => {
    const extra: H5Tile = { key: 'family-doctor', title: 'fd.h5.tile', icon, path: '/family-doctor' }
    expect(visibleTiles([extra], can([])).at(-1)?.key).toBe('family-doctor')
  })
})
