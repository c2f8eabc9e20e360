/** The service tiles of the resident home page. Business modules contribute them from
 * `modules/<domain>/h5.ts`:
 *
 *   export const routes: RouteRecordRaw[] = [...]   // children of the H5 layout, paths without '/'
 *   export const tiles: H5Tile[] = [{ key: 'vaccines', title: 'vaccines.h5.tile', icon: Calendar,
 *                                     path: '/vaccines', permission: 'vaccines:booking:create' }]
 *
 * A module tile whose key matches a planned one below replaces that "coming soon" placeholder. */
import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'
import { Calendar, Document, Notebook, View } from '@element-plus/icons-vue'

export interface H5Tile {
  /** Stable id; the planned keys are vaccines, records, reports, access-log. */
  key: string
  /** i18n key of the title. */
  title: string
  icon: Component
  /** Where the tile leads (a path of the H5 router). Absent: not open yet, drawn muted. */
  path?: string
  /** Permission code the page needs; without it the tile is not shown. */
  permission?: string
  /** Position on the page (smaller first; planned tiles use 10, 20, 30, 40). */
  order?: number
}

/** What a `modules/<domain>/h5.ts` may export. */
export interface H5Module {
  routes?: RouteRecordRaw[]
  tiles?: H5Tile[]
}

export const PLANNED_TILES: H5Tile[] = [
  { key: 'vaccines', title: 'h5.tiles.vaccines', icon: Calendar, order: 10 },
  { key: 'records', title: 'h5.tiles.records', icon: Notebook, order: 20 },
  { key: 'reports', title: 'h5.tiles.reports', icon: Document, order: 30 },
  { key: 'access-log', title: 'h5.tiles.accessLog', icon: View, order: 40 },
]

/** The tiles to draw: the modules' tiles the user may open, plus the planned placeholders no
 * module provides yet, in order. */
export function visibleTiles(
  moduleTiles: H5Tile[],
  can: (permission: string | undefined) => boolean,
  planned: H5Tile[] = PLANNED_TILES,
): H5Tile[] {
  const provided = new Set(moduleTiles.map((t) => t.key))
  return [...moduleTiles.filter((t) => can(t.permission)), ...planned.filter((t) => !provided.has(t.key))]
    .map((t, i) => ({ t, i }))
    .sort((a, b) => (a.t.order ?? 100) - (b.t.order ?? 100) || a.i - b.i)
    .map(({ t }) => t)
}
