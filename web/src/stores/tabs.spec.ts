import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useTabsStore } from './tabs'

function paths(): string[] {
  return useTabsStore().tabs.map((t) => t.path)
}

function openThree() {
  const tabs = useTabsStore()
  tabs.open({ path: '/system/users', name: 'system-users', title: 'menu.auth.users' })
  tabs.open({ path: '/security/audit', name: 'security-audit', title: 'menu.audit.records' })
  tabs.open({ path: '/orgs/institutions', name: 'orgs-institutions', title: 'menu.orgs.institutions' })
}

beforeEach(() => setActivePinia(createPinia()))

describe('tabs', () => {
  it('start with the home tab, which cannot be closed', () => {
    const tabs = useTabsStore()
    expect(paths()).toEqual(['/'])
    expect(tabs.close('/', '/')).toBeUndefined()
    expect(paths()).toEqual(['/'])
  })

  it('open a page once; reopening it keeps one tab and remembers the new query', () => {
    const tabs = useTabsStore()
    openThree()
    tabs.open({ path: '/system/users?q=zhang&page=2', name: 'system-users', title: 'menu.auth.users' })
    expect(paths()).toEqual(['/', '/system/users?q=zhang&page=2', '/security/audit', '/orgs/institutions'])
  })

  it('opening home does not add a closable duplicate', () => {
    const tabs = useTabsStore()
    tabs.open({ path: '/', name: 'home', title: 'layout.home' })
    expect(tabs.tabs).toHaveLength(1)
    expect(tabs.tabs[0].closable).toBe(false)
  })

  it('closing the active tab shows its right neighbour, or the left one at the end', () => {
    const tabs = useTabsStore()
    openThree()
    expect(tabs.close('/security/audit', '/security/audit')).toBe('/orgs/institutions')
    expect(tabs.close('/orgs/institutions', '/orgs/institutions')).toBe('/system/users')
    expect(tabs.close('/system/users', '/system/users')).toBe('/')
    expect(paths()).toEqual(['/'])
  })

  it('closing another tab keeps the current page', () => {
    const tabs = useTabsStore()
    openThree()
    expect(tabs.close('/system/users', '/orgs/institutions')).toBeUndefined()
    expect(paths()).toEqual(['/', '/security/audit', '/orgs/institutions'])
  })

  it('close others keeps home and the given tab; close all keeps home', () => {
    const tabs = useTabsStore()
    openThree()
    tabs.closeOthers('/security/audit')
    expect(paths()).toEqual(['/', '/security/audit'])
    openThree()
    tabs.closeAll()
    expect(paths()).toEqual(['/'])
  })
})
