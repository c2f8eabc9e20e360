/** The audit administrator's 立即校验: what the card shows for a clean and for a tampered chain. */
import { describe, expect, it, vi, beforeEach } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'

// The API client captures fetch when it is created, so the stub must exist before any import.
const fetchMock = vi.hoisted(() => {
  const f = vi.fn()
  globalThis.fetch = f as unknown as typeof fetch
  return f
})

import { i18n } from '@/i18n'
import { vPerm } from '@/directives/perm'
import { useAuthStore } from '@/stores/auth'
import ChainStatusCard from './ChainStatusCard.vue'

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

const verification = (over: Record<string, unknown>) => ({
  id: 'v1', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', ok: true, recordsChecked: 120,
  archivedRecords: 0, checkpointsChecked: 2, lastSeq: 120, problems: [], triggeredBy: 'auditadmin', durationMs: 42, ...over,
})
const status = (last: unknown) => ({
  lastSeq: 120, lastHash: 'ab'.repeat(32), liveRecords: 120, archivedRecords: 0, lastCheckpointSeq: 100,
  lastCheckpointAt: '2026-01-01T00:00:00Z', lastVerification: last,
})

function serve(result: ReturnType<typeof verification>) {
  let verified = false
  fetchMock.mockImplementation(async (req: Request) => {
    const path = new URL(req.url).pathname
    if (path === '/api/v1/audit/chain/verify' && req.method === 'POST') {
      verified = true
      return json(result)
    }
    if (path === '/api/v1/audit/chain') return json(status(verified ? result : null))
    return json({ code: 'not_found', detail: 'not found' }, 404)
  })
}

async function mountCard() {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.me = { permissions: ['audit:chain:verify'] } as unknown as typeof auth.me
  const wrapper = mount(ChainStatusCard, { global: { plugins: [pinia, i18n], directives: { perm: vPerm } } })
  await flushPromises()
  return wrapper
}

describe('ChainStatusCard', () => {
  beforeEach(() => {
    fetchMock.mockReset()
    i18n.global.locale.value = 'zh-CN'
  })

  it('shows the head and that the chain was never verified', async () => {
    serve(verification({}))
    const w = await mountCard()
    expect(w.text()).toContain('ab'.repeat(32))
    expect(w.text()).toContain('尚未校验')
  })

  it('立即校验 on an intact chain says so', async () => {
    serve(verification({}))
    const w = await mountCard()
    await w.findAll('button').find((b) => b.text() === '立即校验')!.trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="chain-result"]').text()).toContain('共校验 120 条记录、2 个检查点，未发现篡改')
  })

  it('立即校验 on a tampered chain names the first bad record in red', async () => {
    serve(
      verification({
        ok: false,
        problems: [
          { kind: 'altered', seq: 57, last: null, checkpointId: null, message: '第 57 条记录被篡改：内容与其哈希值不符' },
          { kind: 'deleted', seq: 80, last: 81, checkpointId: null, message: '第 80 至 81 条记录被删除（序号不连续）' },
        ],
      }),
    )
    const w = await mountCard()
    await w.findAll('button').find((b) => b.text() === '立即校验')!.trigger('click')
    await flushPromises()
    const result = w.find('[data-testid="chain-result"]')
    expect(result.text()).toContain('校验失败')
    expect(result.find('.first-problem').text()).toBe('第 57 条记录被篡改：内容与其哈希值不符')
    expect(w.findAll('.problem').map((p) => p.text())).toEqual([
      '第 57 条记录被篡改：内容与其哈希值不符',
      '第 80 至 81 条记录被删除（序号不连续）',
    ])
  })

  it('hides 立即校验 from a user without audit:chain:verify', async () => {
    serve(verification({}))
    const pinia = createPinia()
    setActivePinia(pinia)
    useAuthStore().me = { permissions: [] } as never
    const w = mount(ChainStatusCard, { global: { plugins: [pinia, i18n], directives: { perm: vPerm } } })
    await flushPromises()
    expect(w.findAll('button').some((b) => b.text() === '立即校验')).toBe(false)
  })
})
