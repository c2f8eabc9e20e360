import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: 'system/users',
    name: 'system-users',
    component: () => import('./views/UsersView.vue'),
    meta: { title: 'menu.auth.users', permission: 'auth:user:read' },
  },
  {
    path: 'system/roles',
    name: 'system-roles',
    component: () => import('./views/RolesView.vue'),
    meta: { title: 'menu.rbac.roles', permission: 'rbac:role:read' },
  },
  {
    path: 'system/jobs',
    name: 'system-jobs',
    component: () => import('./views/JobsView.vue'),
    meta: { title: 'menu.jobs.jobs', permission: 'jobs:job:read' },
  },
  {
    path: 'system/params',
    name: 'system-params',
    component: () => import('./views/ParamsView.vue'),
    meta: { title: 'menu.sysconf.params', permission: 'sysconf:param:read' },
  },
  {
    path: 'system/dicts',
    name: 'system-dicts',
    component: () => import('./views/DictsView.vue'),
    meta: { title: 'menu.sysconf.dicts', permission: 'sysconf:dict:read' },
  },
]

export default routes
