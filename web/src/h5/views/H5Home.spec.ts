import { describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n, translate } from '@/i18n'
import { useAuthStore, type Me } from '@/stores/auth'
import { installH5Messages } from '../locales'
import H5Home from './H5Home.vue'
import { moduleTiles } from '../registry'
import { PLANNED_TILES, visibleTiles } from '../tiles'

installH5Messages()

function signedIn(displayName: string) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = { id: 'u1', username: 'rHN1', displayName, kind: 'resident', permissions: [] } as unknown as Me
  return pinia
}

describe('resident home', () => {
  it('greets the resident by the masked name', () => {
    const w = mount(H5Home, { global: { plugins: [signedIn('张晓明'), i18n], stubs: { RouterLink: RouterLinkStub } } })
    expect(w.get('[data-testid="resident-name"]').text()).toBe('您好，张*明')
  })

  it('shows the services still to come muted and not as links', () => {
    const w = mount(H5Home, { global: { plugins: [signedIn('张晓明'), i18n], stubs: { RouterLink: RouterLinkStub } } })
    const soon = w.findAll('.tile.soon')
    // The planned services no business module provides yet (modules/*/h5.ts replace them).
    const provided = new Set(moduleTiles.map((t) => t.key))
    const planned = PLANNED_TILES.filter((t) => !provided.has(t.key)).map((t) => translate(t.title))
    expect(soon.map((t) => t.find('.title').text())).toEqual(planned)
    expect(soon.every((t) => t.text().includes('即将开放') && t.attributes('aria-disabled') === 'true')).toBe(true)
    const open = visibleTiles(moduleTiles, (p) => !p).filter((t) => t.path)
    expect(w.findAllComponents(RouterLinkStub)).toHaveLength(open.length)
  })
})
