/** The resident H5 pages under /h5/: the shell's own pages (login, 首页, 我的) plus the routes
 * business modules add through modules/<domain>/h5.ts (see tiles.ts). */
import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router'
import { useAuthStore } from '@/stores/auth'
import { translate } from '@/i18n'
import { moduleRoutes } from './registry'
import '@/router/meta'

export const h5Routes: RouteRecordRaw[] = [
  { path: '/login', name: 'h5-login', component: () => import('./views/H5Login.vue'), meta: { public: true, title: 'h5.login.title' } },
  {
    path: '/',
    component: () => import('./layouts/H5Layout.vue'),
    children: [
      { path: '', name: 'h5-home', component: () => import('./views/H5Home.vue'), meta: { title: 'h5.home.title' } },
      { path: 'mine', name: 'h5-mine', component: () => import('./views/H5Mine.vue'), meta: { title: 'h5.mine.title' } },
      { path: 'mine/password', name: 'h5-password', component: () => import('./views/H5Password.vue'), meta: { title: 'h5.password.title' } },
      ...moduleRoutes,
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

export function makeH5Router(): Router {
  const router = createRouter({ history: createWebHistory('/h5/'), routes: h5Routes })
  router.beforeEach(async (to) => {
    if (to.meta.public) return true
    const auth = useAuthStore()
    if (!auth.me && !(await auth.loadMe())) {
      return { name: 'h5-login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
    }
    // No 403 page on the phone: a page the account may not open leads back home.
    if (to.meta.permission && !auth.can(to.meta.permission)) return { name: 'h5-home' }
    return true
  })
  router.afterEach((to) => {
    const app = translate('app.h5Name')
    document.title = to.meta.title ? `${translate(to.meta.title)} - ${app}` : app
  })
  return router
}
