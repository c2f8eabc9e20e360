/** The inbox as a user meets it: unread messages stand out, opening one marks it read on the
 * server, updates the bell's count and goes to the page it links to. */
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { json, type FakeServer } from '@/test/fakeServer'

const server: FakeServer = await vi.hoisted(async () => {
  const { FakeServer } = await import('@/test/fakeServer')
  const s = new FakeServer()
  globalThis.fetch = s.fetch as typeof fetch
  return s
})

import { i18n } from '@/i18n'
import zhCN from '../locales/zh-CN'
import en from '../locales/en'
import { useNotifyStore } from '../store'
import InboxView from './InboxView.vue'

const message = (id: string, title: string, readAt: string | null) => ({
  id, kind: 'records.handover', source: 'records', title, body: '就诊时间：2026-11-25 09:00，心内科。点击查看健康档案。',
  link: `/records/persons/p-${id}`, personId: `p-${id}`, createdAt: '2026-11-25T01:00:00Z', readAt,
})

function keys(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

describe('InboxView', () => {
  it('opening a message marks it read, updates the count and follows its link', async () => {
    server.reset()
    server
      .on('GET', '/api/v1/notify/messages', () =>
        json(200, { items: [message('m2', '您签约的居民于瑞金医院急诊就诊', null), message('m1', '您签约的居民于中山医院门诊就诊', '2026-11-25T02:00:00Z')], total: 2, page: 1, pageSize: 20 }),
      )
      .on('POST', '/api/v1/notify/messages/read', () => json(200, { marked: 1, unread: 4 }))
    const pinia = createPinia()
    setActivePinia(pinia)
    useNotifyStore().set(5)
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/notify/inbox', name: 'notify-inbox', component: { render: () => null } },
        { path: '/records/persons/:id', name: 'records-person', component: { render: () => null } },
      ],
    })
    await router.push('/notify/inbox')
    const wrapper = mount(InboxView, { attachTo: document.body, global: { plugins: [pinia, i18n, router] } })
    await flushPromises()

    // (Element Plus renders a column's cell slot once more, empty, to lay out the table.)
    const titles = wrapper.findAll('[data-testid="message-title"]').filter((t) => t.text())
    expect(titles.map((t) => t.text())).toEqual(['您签约的居民于瑞金医院急诊就诊', '您签约的居民于中山医院门诊就诊'])
    expect(titles[0].classes()).toContain('unread')
    expect(titles[1].classes()).not.toContain('unread')

    await titles[0].trigger('click')
    await flushPromises()
    const read = server.sent.find((r) => r.path === '/api/v1/notify/messages/read')
    expect(read?.body).toEqual({ ids: ['m2'] })
    expect(useNotifyStore().unread).toBe(4)
    expect(router.currentRoute.value.fullPath).toBe('/records/persons/p-m2')
    wrapper.unmount()
  })

  it('has every text in Chinese and English', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort())
  })
})
