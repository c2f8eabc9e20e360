/** The patient index pages as a user meets them: search without leaking numbers into the
 * address, masked identifiers marked 已脱敏, field errors under the field, and a plain message
 * for a resident outside the user's scope. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { json, problem, type FakeServer } from '@/test/fakeServer'

const server: FakeServer = await vi.hoisted(async () => {
  const { FakeServer } = await import('@/test/fakeServer')
  const s = new FakeServer()
  globalThis.fetch = s.fetch as typeof fetch
  return s
})

import { i18n } from '@/i18n'
import { vPerm } from '@/directives/perm'
import { useAuthStore } from '@/stores/auth'
import PersonsView from './PersonsView.vue'
import PersonDetailView from './PersonDetailView.vue'

const ID = '310104196803140316'
const person = {
  id: 'p1', masterId: 'HN208935978915', name: '王建国', sexCode: '1', birthDate: '1968-03-14', phone: null, address: null,
  districtCode: '310104', ethnicityCode: null, status: 'active', mergedIntoId: null, createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  identifiers: [
    { id: 'i1', type: 'resident_id_card', value: '310***********0316', masked: true, issuer: null, institutionId: null, active: true, createdAt: '2026-01-01T00:00:00Z' },
  ],
}

async function mountPage(component: object, path: string, props: Record<string, unknown> = {}) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.me = { permissions: ['patients:person:read'] } as unknown as typeof auth.me
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/patients/persons', name: 'patients-persons', component: { render: () => null } },
      { path: '/patients/persons/:id', name: 'patients-person-detail', component: { render: () => null } },
    ],
  })
  await router.push(path)
  const wrapper = mount(component, { props, attachTo: document.body, global: { plugins: [pinia, i18n, router], directives: { perm: vPerm } } })
  await flushPromises()
  return { wrapper, router }
}

beforeEach(() => {
  i18n.global.locale.value = 'zh-CN'
  server.on('GET', '/api/v1/orgs/districts', () => json(200, [{ code: '310104', name: '徐汇区', nameEn: 'Xuhui', longitude: 121.4, latitude: 31.2 }]))
})
afterEach(() => {
  server.reset()
  document.body.innerHTML = ''
})

describe('PersonsView', () => {
  it('searches by ID number in the request body, never in the address, and marks masked numbers', async () => {
    server.on('POST', '/api/v1/patients/persons/search', () => json(200, { items: [person], total: 1, page: 1, pageSize: 20 }))
    const { wrapper, router } = await mountPage(PersonsView, '/patients/persons')
    await wrapper.find('input[maxlength="64"]').setValue(ID)
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    const sent = server.sent.find((r) => r.path === '/api/v1/patients/persons/search')
    expect(sent?.method).toBe('POST')
    expect(sent?.body).toMatchObject({ idType: 'resident_id_card', idValue: ID, page: 1 })
    expect(server.sent.every((r) => !r.search.includes(ID))).toBe(true)
    expect(router.currentRoute.value.fullPath).not.toContain(ID)
    const text = wrapper.text()
    expect(text).toContain('王建国')
    expect(text).toContain('310***********0316')
    expect(text).toContain('已脱敏')
    expect(text).toContain('徐汇区')
  })

  it('shows the server\'s message under the number field', async () => {
    server.on('POST', '/api/v1/patients/persons/search', () =>
      problem(422, 'validation_failed', '请求数据有误', [{ field: 'idValue', code: 'patients.id_number_checksum', message: '公民身份号码校验码（第 18 位）不正确，请核对证件' }]),
    )
    const { wrapper } = await mountPage(PersonsView, '/patients/persons')
    await wrapper.find('input[maxlength="64"]').setValue('310104196803140317')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    // Element Plus shows a form item's error after a short debounce.
    await new Promise((r) => setTimeout(r, 150))
    await wrapper.vm.$nextTick()
    const item = wrapper.findAll('.el-form-item').find((f) => f.text().includes('证件号码'))
    expect(item?.find('.el-form-item__error').text()).toBe('公民身份号码校验码（第 18 位）不正确，请核对证件')
  })
})

describe('PersonDetailView', () => {
  it('says plainly that a resident of another district is out of reach, instead of a blank page', async () => {
    server.on('GET', '/api/v1/patients/persons/p9', () => problem(404, 'patients.person_not_found', '居民不存在'))
    const { wrapper } = await mountPage(PersonDetailView, '/patients/persons/p9', { id: 'p9' })
    const alert = wrapper.find('[role="alert"]')
    expect(alert.text()).toContain('居民不存在')
    expect(alert.text()).toContain('不在您的数据范围内')
  })

  it('shows each identifier with the 已脱敏 tag only when the server masked it', async () => {
    const full = { ...person.identifiers[0], id: 'i2', type: 'medical_insurance_card', value: 'YB99887766', masked: false }
    server.on('GET', '/api/v1/patients/persons/p1', () => json(200, { ...person, identifiers: [person.identifiers[0], full] }))
    server.on('GET', '/api/v1/patients/persons/p1/history', () => json(200, []))
    const { wrapper } = await mountPage(PersonDetailView, '/patients/persons/p1', { id: 'p1' })
    const rows = wrapper.findAll('.block .el-table__body tr')
    expect(rows).toHaveLength(2)
    expect(rows[0].text()).toContain('已脱敏')
    expect(rows[1].text()).toContain('YB99887766')
    expect(rows[1].text()).not.toContain('已脱敏')
  })

  it('shows the family doctor and where they work, or that there is none', async () => {
    const doctor = { userId: 'u7', displayName: '李医生', institutionId: 'c1', institutionName: '徐家汇街道社区卫生服务中心' }
    server.on('GET', '/api/v1/patients/persons/p1', () => json(200, { ...person, familyDoctor: doctor }))
    server.on('GET', '/api/v1/patients/persons/p2', () => json(200, { ...person, id: 'p2', familyDoctor: null }))
    server.on('GET', '/api/v1/patients/persons/p1/history', () => json(200, []))
    server.on('GET', '/api/v1/patients/persons/p2/history', () => json(200, []))
    const field = (w: { findAll: (s: string) => { text: () => string }[] }) =>
      w.findAll('.el-descriptions__cell').map((c) => c.text()).join('|')
    const signed = await mountPage(PersonDetailView, '/patients/persons/p1', { id: 'p1' })
    expect(field(signed.wrapper)).toContain('家庭医生|李医生（徐家汇街道社区卫生服务中心）')
    signed.wrapper.unmount()
    const unsigned = await mountPage(PersonDetailView, '/patients/persons/p2', { id: 'p2' })
    expect(field(unsigned.wrapper)).toContain('家庭医生|未签约')
  })
})
