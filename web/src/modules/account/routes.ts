import type { RouteRecordRaw } from 'vue-router'

// Every signed-in user's own account: no permission needed (the API acts on the caller only).
// The home page's account to-dos (password expiring, no second factor, few recovery codes)
// link here.
const routes: RouteRecordRaw[] = [
  {
    path: 'account/security',
    name: 'account-security',
    component: () => import('./views/SecurityView.vue'),
    meta: { title: 'account.title' },
  },
]

export default routes
