import type { RouteRecordRaw } from 'vue-router'

// Paths equal the orgs MANIFEST's menu entry (/orgs/institutions).
const routes: RouteRecordRaw[] = [
  {
    path: 'orgs/institutions',
    name: 'orgs-institutions',
    component: () => import('./views/InstitutionsView.vue'),
    meta: { title: 'menu.orgs.institutions', permission: 'orgs:institution:read' },
  },
  {
    path: 'orgs/institutions/:id',
    name: 'orgs-institution-detail',
    component: () => import('./views/InstitutionDetailView.vue'),
    props: true,
    meta: { title: 'orgs.institution.detail', permission: 'orgs:institution:read' },
  },
]

export default routes
