import { describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { i18n } from '@/i18n'
import { useAuthStore, type Me } from '@/stores/auth'
import { installH5Messages } from '../locales'
import H5Mine from './H5Mine.vue'

installH5Messages()

function signedIn(kind: 'resident' | 'staff', username: string) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().me = { id: 'u1', username, displayName: '张晓明', kind, permissions: [] } as unknown as Me
  return pinia
}

function mountAs(kind: 'resident' | 'staff', username: string) {
  return mount(H5Mine, {
    global: { plugins: [signedIn(kind, username), i18n], stubs: { RouterLink: RouterLinkStub } },
  })
}

describe('resident account page', () => {
  it('tells a resident to sign in with mobile or ID number, not the internal user name', () => {
    const w = mountAs('resident', 'rHN457370904643')
    expect(w.get('[data-testid="resident-name"]').text()).toBe('张*明')
    expect(w.text()).toContain('登录方式')
    expect(w.text()).toContain('手机号或身份证号')
    expect(w.text()).not.toContain('rHN457370904643')
  })

  it('shows a staff account its user name', () => {
    const w = mountAs('staff', 'doctor_xuhui')
    expect(w.text()).toContain('登录账号')
    expect(w.text()).toContain('doctor_xuhui')
  })
})
