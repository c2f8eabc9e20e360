/** The console's routes: the shell's own pages, plus every module's routes.ts, collected
 * automatically (a module adds pages without touching this file). */
import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { useMenuStore } from '@/stores/menu'
import './meta'

const moduleRoutes = import.meta.glob<{ default: RouteRecordRaw[] }>('../modules/*/routes.ts', { eager: true })

export function collectModuleRoutes(): RouteRecordRaw[] {
  return Object.values(moduleRoutes).flatMap((m) => m.default)
}

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true, title: 'login.title' } },
  {
    path: '/',
    component: () => import('@/layouts/ConsoleLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: 'layout.home' } },
      { path: '403', name: 'forbidden', component: () => import('@/views/ForbiddenView.vue'), meta: { title: 'layout.forbidden' } },
      ...collectModuleRoutes(),
      { path: ':rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { title: 'layout.notFound' } },
    ],
  },
]

export function installGuards(router: Router): void {
  router.beforeEach(async (to) => {
    if (to.meta.public) return true
    const auth = useAuthStore()
    if (!auth.me && !(await auth.loadMe())) {
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
    }
    const menu = useMenuStore()
    if (!menu.loaded) await menu.load()
    if (to.meta.permission && !auth.can(to.meta.permission)) return { name: 'forbidden' }
    return true
  })
}

export function makeRouter(): Router {
  const router = createRouter({ history: createWebHistory('/'), routes })
  installGuards(router)
  return router
}
