import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: 'system/users',
    name: 'system-users',
    component: () => import('./views/UsersView.vue'),
    meta: { title: 'menu.auth.users', permission: 'auth:user:read' },
  },
]

export default routes
