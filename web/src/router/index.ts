/** The console's routes: the shell's own pages, plus every module's routes.ts, collected
 * automatically (a module adds pages without touching this file). */
import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw, type Router } from 'vue-router'
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

type Lazy = () => Promise<unknown>

function prefetch(matched: RouteLocationNormalized['matched']): void {
  for (const record of matched) {
    const component = record.components?.default
    if (typeof component === 'function' && !('__vccOpts' in component) && component.length === 0) {
      ;(component as Lazy)().catch(() => undefined)
    }
  }
}

export function installGuards(router: Router): void {
  router.beforeEach(async (to) => {
    if (to.meta.public) return true
    const auth = useAuthStore()
    if (!auth.me) {
      // The page's code downloads while the server says who is signed in (vue-router would
      // only start fetching it after the guards); a second call returns the same module.
      prefetch(to.matched)
      if (!(await auth.loadMe())) {
        return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
      }
    }
    // The side menu fills in when it arrives; the page does not wait for it.
    const menu = useMenuStore()
    if (!menu.loaded) menu.load().catch(() => undefined)
    if (to.meta.permission && !auth.can(to.meta.permission)) return { name: 'forbidden' }
    return true
  })
}

export function makeRouter(): Router {
  const router = createRouter({ history: createWebHistory('/'), routes })
  installGuards(router)
  return router
}
