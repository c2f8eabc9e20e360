import type { RouteRecordRaw } from 'vue-router'

// Paths equal the patients MANIFEST's menu entries (/patients/persons, /patients/candidates).
const routes: RouteRecordRaw[] = [
  {
    path: 'patients/persons',
    name: 'patients-persons',
    component: () => import('./views/PersonsView.vue'),
    meta: { title: 'menu.patients.persons', permission: 'patients:person:read' },
  },
  {
    path: 'patients/persons/:id',
    name: 'patients-person-detail',
    component: () => import('./views/PersonDetailView.vue'),
    props: true,
    meta: { title: 'patients.person.detail', permission: 'patients:person:read' },
  },
  {
    path: 'patients/candidates',
    name: 'patients-candidates',
    component: () => import('./views/CandidatesView.vue'),
    meta: { title: 'menu.patients.candidates', permission: 'patients:person:merge' },
  },
]

export default routes
