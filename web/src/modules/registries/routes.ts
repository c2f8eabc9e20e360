import type { RouteRecordRaw } from 'vue-router'

// Paths equal the registries MANIFEST's menu entries (/registries/worklist, /registries/programs,
// /registries/transfers, /registries/indicators). Every page is drawn from the program's metadata.
const read = 'programs:enrolment:read'
const routes: RouteRecordRaw[] = [
  {
    path: 'registries/worklist',
    name: 'registries-worklist',
    component: () => import('./views/WorklistView.vue'),
    meta: { title: 'registries.menu.worklist', permission: read },
  },
  {
    path: 'registries/programs',
    name: 'registries-programs',
    component: () => import('./views/ProgramsView.vue'),
    meta: { title: 'registries.menu.programs', permission: read },
  },
  {
    path: 'registries/programs/:code',
    name: 'registries-enrolments',
    component: () => import('./views/EnrolmentsView.vue'),
    props: true,
    meta: { title: 'registries.enrolment.list', permission: read },
  },
  {
    path: 'registries/programs/:code/enrol',
    name: 'registries-enrol',
    component: () => import('./views/EnrolView.vue'),
    props: true,
    meta: { title: 'registries.enrol.title', permission: 'programs:enrolment:write' },
  },
  {
    path: 'registries/enrolments/:id',
    name: 'registries-enrolment',
    component: () => import('./views/EnrolmentDetailView.vue'),
    props: true,
    meta: { title: 'registries.enrolment.detail', permission: read },
  },
  {
    path: 'registries/indicators/:code?',
    name: 'registries-indicators',
    component: () => import('./views/IndicatorsView.vue'),
    props: true,
    meta: { title: 'registries.menu.indicators', permission: 'programs:indicator:read' },
  },
  {
    path: 'registries/transfers',
    name: 'registries-transfers',
    component: () => import('./views/TransfersView.vue'),
    meta: { title: 'registries.menu.transfers', permission: read },
  },
]

export default routes
