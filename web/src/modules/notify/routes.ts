import type { RouteRecordRaw } from 'vue-router'

// Everyone signed in has an inbox: no permission. Reached from the bell in the top bar and from
// the home page's to-do list (notify.unread → /notify/inbox).
const routes: RouteRecordRaw[] = [
  {
    path: 'notify/inbox',
    name: 'notify-inbox',
    component: () => import('./views/InboxView.vue'),
    meta: { title: 'notify.inbox.title' },
  },
]

export default routes
