/** A paged, filtered, sortable list bound to the route's query string, so a tab, a reload or a
 * shared link shows the same page of the same search. */
import { reactive, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { ApiError } from '@/api/errors'

export interface PageResult<T> {
  items: T[]
  total: number
  page: number
  pageSize: number
}

// Filter values are whatever the filter widgets hold (text, option values, date ranges).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Filters = Record<string, any>
export interface ListQuery extends Filters {
  page: number
  pageSize: number
  sort?: string
}

export type Fetcher<T> = (query: ListQuery) => Promise<PageResult<T>>

export function compact(filters: Filters): Filters {
  const out: Filters = {}
  for (const [k, v] of Object.entries(filters)) {
    if (v === '' || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue
    out[k] = v
  }
  return out
}

/** Query-string values back into filter values of the same type as the defaults. */
export function fromQuery(defaults: Filters, query: Record<string, unknown>): Filters {
  const out: Filters = { ...defaults }
  for (const key of Object.keys(defaults)) {
    const raw = query[key]
    if (raw === undefined || raw === null) continue
    const d = defaults[key]
    if (Array.isArray(d)) out[key] = Array.isArray(raw) ? raw : [raw]
    else if (typeof d === 'number') out[key] = Number(raw)
    else if (typeof d === 'boolean') out[key] = raw === 'true'
    else out[key] = String(raw)
  }
  return out
}

export function useList<T>(fetcher: Fetcher<T>, defaults: Filters = {}, options: { pageSize?: number; sync?: boolean } = {}) {
  const route = useRoute()
  const router = useRouter()
  const sync = options.sync ?? true
  const filters = reactive<Filters>(sync ? fromQuery(defaults, route.query) : { ...defaults })
  const page = ref(sync && route.query.page ? Number(route.query.page) : 1)
  const pageSize = ref(sync && route.query.pageSize ? Number(route.query.pageSize) : (options.pageSize ?? 20))
  const sort = ref<string | undefined>(sync && typeof route.query.sort === 'string' ? route.query.sort : undefined)
  const items = ref<T[]>([]) as { value: T[] }
  const total = ref(0)
  const loading = ref(false)
  const error = ref('')
  let generation = 0

  function query(): ListQuery {
    return { ...compact(filters), page: page.value, pageSize: pageSize.value, ...(sort.value ? { sort: sort.value } : {}) }
  }

  async function load(): Promise<void> {
    const mine = ++generation
    loading.value = true
    error.value = ''
    try {
      const result = await fetcher(query())
      if (mine !== generation) return // a newer search answered first
      items.value = result.items
      total.value = result.total
    } catch (e) {
      if (mine !== generation) return
      items.value = []
      total.value = 0
      error.value = e instanceof ApiError ? e.message : String(e)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  function pushQuery(): void {
    if (!sync) return
    const q: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(query())) q[k] = Array.isArray(v) ? v.map(String) : String(v)
    if (q.page === '1') delete q.page
    if (q.pageSize === String(options.pageSize ?? 20)) delete q.pageSize
    router.replace({ query: q }).catch(() => undefined)
  }

  // A search from page 3 goes back to page 1: that change must not fetch a second time through
  // the page watcher (the server would run, and audit, the same search twice).
  let pageResetBySearch = false

  function search(): Promise<void> {
    if (page.value !== 1) {
      page.value = 1
      pageResetBySearch = true
    }
    pushQuery()
    return load()
  }

  function reset(): Promise<void> {
    for (const k of Object.keys(filters)) delete filters[k]
    Object.assign(filters, defaults)
    sort.value = undefined
    return search()
  }

  watch([page, pageSize], () => {
    if (pageResetBySearch) {
      pageResetBySearch = false
      return
    }
    pushQuery()
    void load()
  })

  function setSort(prop: string | null, order: 'ascending' | 'descending' | null): Promise<void> {
    sort.value = prop && order ? (order === 'descending' ? `-${prop}` : prop) : undefined
    return search()
  }

  /** Every row of the current search, page by page, up to ``max`` (for Excel export). */
  async function all(max: number): Promise<{ rows: T[]; total: number }> {
    const size = 500
    const rows: T[] = []
    let p = 1
    let grandTotal = 0
    for (;;) {
      const r = await fetcher({ ...query(), page: p, pageSize: size })
      grandTotal = r.total
      if (r.total > max) return { rows: [], total: r.total }
      rows.push(...r.items)
      if (rows.length >= r.total || r.items.length === 0) break
      p += 1
    }
    return { rows, total: grandTotal }
  }

  return { filters, page, pageSize, sort, items, total, loading, error, load, search, reset, setSort, all, query }
}
