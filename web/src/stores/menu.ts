/** The side menu: the server's tree of the pages this user may open. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, unwrap } from '@/api/client'
import type { components } from '@/api/schema'

export type MenuNode = components['schemas']['MenuNode']

export const useMenuStore = defineStore('menu', () => {
  const items = ref<MenuNode[]>([])
  const loaded = ref(false)

  let pending: Promise<void> | null = null
  /** Fetch the menus once; callers during the fetch share it. */
  function load(): Promise<void> {
    pending ??= unwrap(api.GET('/api/v1/rbac/menus'))
      .then((menus) => {
        items.value = menus
        loaded.value = true
      })
      .finally(() => {
        pending = null
      })
    return pending
  }

  function reset(): void {
    items.value = []
    loaded.value = false
  }

  /** The chain of menu nodes down to ``path`` (for breadcrumbs). */
  function trail(path: string): MenuNode[] {
    for (const group of items.value) {
      for (const child of group.children ?? []) {
        if (path === child.path || path.startsWith(`${child.path}/`)) return [group, child]
      }
    }
    return []
  }

  return { items, loaded, load, reset, trail }
})
