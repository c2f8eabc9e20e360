import type { RouteRecordRaw } from 'vue-router'

// Paths equal the codes MANIFEST's menu entry (/codes/systems).
const routes: RouteRecordRaw[] = [
  {
    path: 'codes/systems',
    name: 'codes-systems',
    component: () => import('./views/SystemsView.vue'),
    meta: { title: 'menu.codes.systems', permission: 'codes:concept:read' },
  },
  {
    path: 'codes/systems/:system',
    name: 'codes-system-browse',
    component: () => import('./views/SystemBrowseView.vue'),
    props: true,
    meta: { title: 'codes.browse.title', permission: 'codes:concept:read' },
  },
]

export default routes
