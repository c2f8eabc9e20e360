/** The resident's own record on the phone (B5): visits, lab and exam reports, who viewed the
 * record, and which sensitive categories other institutions may not see. */
import type { RouteRecordRaw } from 'vue-router'
import { Document, Lock, Notebook, View } from '@element-plus/icons-vue'
import type { H5Tile } from '@/h5/tiles'

export const routes: RouteRecordRaw[] = [
  { path: 'records/visits', name: 'h5-records-visits', component: () => import('./h5/H5Visits.vue'), meta: { title: 'records.h5.visits.title' } },
  { path: 'records/reports', name: 'h5-records-reports', component: () => import('./h5/H5Reports.vue'), meta: { title: 'records.h5.reports.title' } },
  { path: 'records/access-log', name: 'h5-records-access-log', component: () => import('./h5/H5AccessLog.vue'), meta: { title: 'records.h5.accessLog.title' } },
  { path: 'records/privacy', name: 'h5-records-privacy', component: () => import('./h5/H5Privacy.vue'), meta: { title: 'records.h5.privacy.title' } },
]

// Keys replace the shell's planned placeholders (records, reports, access-log).
export const tiles: H5Tile[] = [
  { key: 'records', title: 'records.h5.tiles.visits', icon: Notebook, path: '/records/visits', order: 20 },
  { key: 'reports', title: 'records.h5.tiles.reports', icon: Document, path: '/records/reports', order: 30 },
  { key: 'access-log', title: 'records.h5.tiles.accessLog', icon: View, path: '/records/access-log', order: 40 },
  { key: 'privacy', title: 'records.h5.tiles.privacy', icon: Lock, path: '/records/privacy', order: 45 },
]
