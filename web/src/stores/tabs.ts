/** The tabs of open pages above the content area. */
import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface Tab {
  path: string // full path including the query, so a tab reopens the same list filters
  name: string // route name, for keep-alive
  title: string // i18n key
  closable: boolean
}

export const HOME_TAB: Tab = { path: '/', name: 'home', title: 'layout.home', closable: false }

export const useTabsStore = defineStore('tabs', () => {
  const tabs = ref<Tab[]>([{ ...HOME_TAB }])

  function open(tab: Omit<Tab, 'closable'>): void {
    const same = tabs.value.find((t) => t.name === tab.name)
    if (same) {
      same.path = tab.path
      return
    }
    tabs.value.push({ ...tab, closable: tab.name !== HOME_TAB.name })
  }

  /** Closes a tab; returns the path to show next when the closed tab was the active one. */
  function close(path: string, activePath: string): string | undefined {
    const i = tabs.value.findIndex((t) => t.path === path && t.closable)
    if (i < 0) return undefined
    tabs.value.splice(i, 1)
    if (path !== activePath) return undefined
    return (tabs.value[i] ?? tabs.value[i - 1] ?? HOME_TAB).path
  }

  function closeOthers(path: string): void {
    tabs.value = tabs.value.filter((t) => !t.closable || t.path === path)
  }

  function closeAll(): void {
    tabs.value = tabs.value.filter((t) => !t.closable)
  }

  function reset(): void {
    tabs.value = [{ ...HOME_TAB }]
  }

  return { tabs, open, close, closeOthers, closeAll, reset }
})
