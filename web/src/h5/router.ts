/** The resident H5 pages under /h5/: later modules (vaccines, own records) add their routes
 * through modules/<domain>/h5.ts. */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuthStore } from '@/stores/auth'

const moduleRoutes = import.meta.glob<{ default: RouteRecordRaw[] }>('../modules/*/h5.ts', { eager: true })

export function makeH5Router() {
  const router = createRouter({
    history: createWebHistory('/h5/'),
    routes: [
      { path: '/login', name: 'h5-login', component: () => import('./views/H5Login.vue'), meta: { public: true } },
      { path: '/', name: 'h5-home', component: () => import('./views/H5Home.vue') },
      ...Object.values(moduleRoutes).flatMap((m) => m.default),
    ],
  })
  router.beforeEach(async (to) => {
    if (to.meta.public) return true
    const auth = useAuthStore()
    if (!auth.me && !(await auth.loadMe())) return { name: 'h5-login', query: { redirect: to.fullPath } }
    return true
  })
  return router
}
