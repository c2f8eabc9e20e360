import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { UnreadPoller } from './poller'

describe('UnreadPoller', () => {
  let now = 1_000
  let visible = true
  let counts: number[] = []
  let fetch: ReturnType<typeof vi.fn<() => Promise<number>>>

  function poller() {
    return new UnreadPoller({ intervalMs: 60_000, fetch, onCount: (n) => counts.push(n), now: () => now, visible: () => visible })
  }

  beforeEach(() => {
    vi.useFakeTimers()
    now = 1_000
    visible = true
    counts = []
    fetch = vi.fn(() => Promise.resolve(3))
  })
  afterEach(() => vi.useRealTimers())

  it('asks at once on refresh and reports the count', async () => {
    await poller().refresh()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(counts).toEqual([3])
  })

  it('does not poll for an idle user, so the session can time out', async () => {
    const p = poller()
    await p.refresh()
    p.start()
    now += 60_000
    await vi.advanceTimersByTimeAsync(60_000 * 5)
    expect(fetch).toHaveBeenCalledTimes(1)
    p.stop()
  })

  it('polls once per interval after the user did something', async () => {
    const p = poller()
    await p.refresh()
    p.start()
    now += 10_000
    p.noteActivity()
    now += 50_000
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fetch).toHaveBeenCalledTimes(2)
    now += 60_000
    await vi.advanceTimersByTimeAsync(60_000) // no new activity since that poll
    expect(fetch).toHaveBeenCalledTimes(2)
    p.stop()
  })

  it('does not poll a hidden page', async () => {
    const p = poller()
    await p.refresh()
    now += 5_000
    p.noteActivity()
    visible = false
    expect(p.tick()).toBeUndefined()
    visible = true
    now += 1
    await p.tick()
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('sends one request at a time and keeps the last count on failure', async () => {
    let resolve: (n: number) => void = () => undefined
    fetch.mockImplementationOnce(() => new Promise<number>((r) => (resolve = r)))
    const p = poller()
    const first = p.refresh()
    const second = p.refresh()
    expect(fetch).toHaveBeenCalledTimes(1)
    resolve(5)
    await Promise.all([first, second])
    fetch.mockImplementationOnce(() => Promise.reject(new Error('offline')))
    await p.refresh()
    expect(counts).toEqual([5])
  })
})
