/** Data-dictionary items (系统管理 › 数据字典) for selects and tags, loaded once per code and
 * shared by every page of the session:
 *
 *   const gender = useDict('gender')
 *   <el-option v-for="o in gender.options.value" :key="o.value" :label="o.label" :value="o.value" />
 *   <el-tag :type="gender.tagType(row.gender)">{{ gender.label(row.gender) }}</el-tag>
 *
 * ``options`` also fit ColumnDef.options / FilterDef.options of the list page. */
import { computed, ref } from 'vue'
import { api, unwrap } from '@/api/client'
import { ApiError } from '@/api/errors'
import type { components } from '@/api/schema'
import type { Option } from '@/components/list/types'
import { i18n } from '@/i18n'

export type DictOption = components['schemas']['DictOption']

const cache = new Map<string, Promise<DictOption[]>>()

/** The active items of dictionary ``code`` in display order; one request per code. */
export function loadDict(code: string): Promise<DictOption[]> {
  let pending = cache.get(code)
  if (!pending) {
    pending = unwrap(api.GET('/api/v1/sysconf/dicts/{code}/items', { params: { path: { code } } }))
    // A failure is not remembered: the next caller asks again.
    pending.catch(() => cache.delete(code))
    cache.set(code, pending)
  }
  return pending
}

/** Forget cached items (after the dictionary page changed them), one code or all. */
export function clearDictCache(code?: string): void {
  if (code === undefined) cache.clear()
  else cache.delete(code)
}

export function useDict(code: string) {
  const items = ref<DictOption[]>([])
  const loading = ref(true)
  const error = ref('')
  const text = (o: DictOption) => (i18n.global.locale.value === 'en' && o.labelEn ? o.labelEn : o.label)
  const find = (value: unknown) => (value === null || value === undefined ? undefined : items.value.find((o) => o.value === String(value)))

  const ready = loadDict(code).then(
    (loaded) => {
      items.value = loaded
    },
    (e: unknown) => {
      error.value = e instanceof ApiError ? e.message : String(e)
    },
  ).finally(() => {
    loading.value = false
  })

  const options = computed<Option[]>(() => items.value.map((o) => ({ value: o.value, label: text(o), tagType: o.tagType })))

  return {
    items,
    options,
    loading,
    error,
    /** Resolves when the items are loaded (or failed: see ``error``). */
    ready,
    /** The label of a stored value; the value itself when the dictionary does not know it. */
    label: (value: unknown): string => {
      const o = find(value)
      return o ? text(o) : value === null || value === undefined ? '' : String(value)
    },
    /** The el-tag type of a stored value (undefined: the default look). */
    tagType: (value: unknown): Exclude<DictOption['tagType'], ''> | undefined => find(value)?.tagType || undefined,
  }
}
