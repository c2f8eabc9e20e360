/** The signed-in user's own inbox, typed from the generated OpenAPI schema. */
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'
import type { ListQuery } from '@/composables/useList'

export type Message = components['schemas']['MessageRead']

export const notifyApi = {
  list: (q: ListQuery) =>
    unwrap(
      api.GET('/api/v1/notify/messages', {
        params: { query: { page: q.page, pageSize: q.pageSize, unreadOnly: q.unreadOnly === true || q.unreadOnly === 'true' } },
      }),
    ),
  unreadCount: async () => (await unwrap(api.GET('/api/v1/notify/unread-count'))).unread,
  markRead: (ids: string[]) => unwrap(api.POST('/api/v1/notify/messages/read', { body: { ids } })),
  markAllRead: () => unwrap(api.POST('/api/v1/notify/messages/read-all')),
}
