import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent } from 'vue'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { ApiError } from '@/api/errors'
import { compact, fromQuery, useList, type Fetcher, type Filters, type ListQuery, type PageResult } from './useList'

describe('compact', () => {
  it('drops empty filters and keeps zero and false', () => {
    expect(compact({ q: '', status: null, from: undefined, tags: [], age: 0, active: false, name: '张' })).toEqual({
      age: 0,
      active: false,
      name: '张',
    })
  })
})

describe('fromQuery', () => {
  it('reads query strings back as the defaults’ types and ignores unknown keys', () => {
    const defaults = { q: '', minAge: 0, active: false, tags: [] as string[] }
    expect(fromQuery(defaults, { q: '张', minAge: '30', active: 'true', tags: 'a', other: 'x' })).toEqual({
      q: '张',
      minAge: 30,
      active: true,
      tags: ['a'],
    })
    expect(fromQuery(defaults, { tags: ['a', 'b'], active: 'false' })).toEqual({ q: '', minAge: 0, active: false, tags: ['a', 'b'] })
  })
})

interface Row {
  name: string
}

/** Answers the list requests when the test says so, in any order. */
function controlledFetcher() {
  const pending: { query: ListQuery; resolve: (r: PageResult<Row>) => void; reject: (e: unknown) => void }[] = []
  const fetcher: Fetcher<Row> = (query) => new Promise((resolve, reject) => pending.push({ query, resolve, reject }))
  const page = (...names: string[]): PageResult<Row> => ({ items: names.map((name) => ({ name })), total: names.length, page: 1, pageSize: 20 })
  return { fetcher, pending, page }
}

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())

async function withList(fetcher: Fetcher<Row>, defaults: Filters, url = '/list') {
  const router: Router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', component: { render: () => null } }] })
  await router.push(url)
  let list!: ReturnType<typeof useList<Row>>
  wrapper = mount(defineComponent({ setup: () => ((list = useList(fetcher, defaults)), () => null) }), { global: { plugins: [router] } })
  return { list, router }
}

describe('useList', () => {
  it('starts from the filters and page in the address, and a search writes them back', async () => {
    const { fetcher, pending, page } = controlledFetcher()
    const { list, router } = await withList(fetcher, { q: '', active: false }, '/list?q=%E5%BC%A0&page=3')
    expect(list.filters.q).toBe('张')
    expect(list.page.value).toBe(3)

    list.filters.active = true
    const done = list.search()
    await flushPromises()
    pending.forEach((p) => p.resolve(page('张三')))
    await done
    await flushPromises()
    expect(pending.map((p) => p.query)).toEqual([{ q: '张', active: true, page: 1, pageSize: 20 }]) // asked once
    expect(router.currentRoute.value.query).toEqual({ q: '张', active: 'true' })
    expect(list.items.value).toEqual([{ name: '张三' }])
  })

  it('goes to another page when asked, keeping the filters', async () => {
    const { fetcher, pending, page } = controlledFetcher()
    const { list, router } = await withList(fetcher, { q: '张' })
    list.page.value = 2
    await flushPromises()
    pending[0].resolve(page('张三'))
    await flushPromises()
    expect(pending.map((p) => p.query)).toEqual([{ q: '张', page: 2, pageSize: 20 }])
    expect(router.currentRoute.value.query).toEqual({ q: '张', page: '2' })
  })

  it('keeps the newer search when an older answer arrives late', async () => {
    const { fetcher, pending, page } = controlledFetcher()
    const { list } = await withList(fetcher, { q: '' })
    list.filters.q = '张'
    const first = list.load()
    list.filters.q = '李'
    const second = list.load()

    pending[1].resolve(page('李四'))
    await second
    expect(list.loading.value).toBe(false)
    pending[0].resolve(page('张三', '张三丰'))
    await first
    expect(list.items.value).toEqual([{ name: '李四' }])
    expect(list.total.value).toBe(1)
  })

  it('does not let a late failure of an older search wipe the newer result', async () => {
    const { fetcher, pending, page } = controlledFetcher()
    const { list } = await withList(fetcher, { q: '' })
    const first = list.load()
    const second = list.load()
    pending[1].resolve(page('李四'))
    await second
    pending[0].reject(new ApiError(500, 'internal', '服务器内部错误'))
    await first
    expect(list.error.value).toBe('')
    expect(list.items.value).toEqual([{ name: '李四' }])
  })

  it('shows the server’s message and an empty page when the search fails', async () => {
    const { fetcher, pending } = controlledFetcher()
    const { list } = await withList(fetcher, { q: '' })
    const done = list.load()
    pending[0].reject(new ApiError(422, 'validation_failed', '查询条件不正确'))
    await done
    expect(list.error.value).toBe('查询条件不正确')
    expect(list.items.value).toEqual([])
    expect(list.loading.value).toBe(false)
  })
})
