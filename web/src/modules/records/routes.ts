import type { RouteRecordRaw } from 'vue-router'

// Paths equal the records MANIFEST's menu entries (/records/search, /records/break-glass).
const routes: RouteRecordRaw[] = [
  {
    path: 'records/search',
    name: 'records-search',
    component: () => import('./views/RecordSearchView.vue'),
    meta: { title: 'records.titles.search', permission: 'records:record:read' },
  },
  {
    path: 'records/persons/:personId',
    name: 'records-person',
    component: () => import('./views/TimelineView.vue'),
    props: true,
    meta: { title: 'records.titles.timeline', permission: 'records:record:read' },
  },
  {
    path: 'records/break-glass',
    name: 'records-break-glass',
    component: () => import('./views/BreakGlassView.vue'),
    meta: { title: 'records.titles.breakGlass', permission: 'records:breakglass:review' },
  },
]

export default routes
