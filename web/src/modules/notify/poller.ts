/** When the top bar's bell asks the server for the unread count.
 *
 * Every request of a session resets the server's idle timer (30 min, SECURITY.md). A bell that
 * polled regardless would keep an abandoned console signed in for ever, so a periodic poll runs
 * only if the user did something (pointer, key) since the previous one, and only while the page
 * is visible. A route change is the user doing something: it refreshes at once. */

export interface PollerOptions {
  intervalMs: number
  fetch: () => Promise<number>
  onCount: (count: number) => void
  now?: () => number
  visible?: () => boolean
}

export class UnreadPoller {
  private timer: ReturnType<typeof setInterval> | undefined
  private lastInput = 0
  private lastPoll = 0
  private inFlight: Promise<void> | null = null
  private readonly now: () => number
  private readonly visible: () => boolean

  constructor(private readonly options: PollerOptions) {
    this.now = options.now ?? Date.now
    this.visible = options.visible ?? (() => true)
  }

  start(): void {
    this.stop()
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs)
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
  }

  /** The user pressed a key or a pointer button. */
  noteActivity(): void {
    this.lastInput = this.now()
  }

  /** Ask now (first show, a route change, after marking messages read). One request at a time. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight
    this.lastPoll = this.now()
    this.inFlight = this.options
      .fetch()
      .then((n) => this.options.onCount(n))
      .catch(() => undefined) // keep the last count; the session watch handles a 401
      .finally(() => {
        this.inFlight = null
      })
    return this.inFlight
  }

  /** One periodic tick: poll only for a visible page whose user was active since the last poll. */
  tick(): Promise<void> | undefined {
    if (!this.visible() || this.lastInput <= this.lastPoll) return undefined
    return this.refresh()
  }
}
