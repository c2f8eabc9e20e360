import type { RouteRecordRaw } from 'vue-router'

const routes: RouteRecordRaw[] = [
  {
    path: 'alerts/trial',
    name: 'alerts-trial',
    component: () => import('./views/TrialView.vue'),
    meta: { title: 'alerts.menu.trial', permission: 'alerts:check:run' },
  },
  {
    path: 'alerts/rules',
    name: 'alerts-rules',
    component: () => import('./views/RulesView.vue'),
    meta: { title: 'alerts.menu.rules', permission: 'alerts:rule:read' },
  },
  {
    path: 'alerts/statistics',
    name: 'alerts-statistics',
    component: () => import('./views/StatisticsView.vue'),
    meta: { title: 'alerts.menu.statistics', permission: 'alerts:stats:read' },
  },
]

export default routes
