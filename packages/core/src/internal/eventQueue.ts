/**
 * The event loop of the simulated network: callbacks ordered by the instant they are due, then by
 * the order they were scheduled, on Effect's `Clock`. One timer (see `timer.ts`) waits for the
 * earliest event, so `TestClock.adjust` runs every event at its exact instant, in a deterministic
 * order, however many links are busy; an event due now runs after the current turn, never inside
 * the call that scheduled it (a write never calls the peer's `onData` from inside `write`).
 */
import type * as Clock from "effect/Clock"
import * as timer from "./timer.js"

/**
 * Clocks keep time in whole nanoseconds (`Duration.millis(1.5)` is 1,500,000 ns): an instant computed
 * in fractions of a millisecond is due once the clock is within a nanosecond of it.
 */
const NANO = 1e-6

/** A scheduled callback; `cancel` stops it if it has not run. @internal */
export interface Event {
  readonly time: number
  readonly cancel: () => void
}

class Entry implements Event {
  cancelled = false
  constructor(readonly time: number, readonly seq: number, readonly run: () => void) {}
  cancel(): void {
    this.cancelled = true
  }
}

const before = (a: Entry, b: Entry) => a.time < b.time || (a.time === b.time && a.seq < b.seq)

/** @internal */
export class EventQueue {
  private readonly heap: Array<Entry> = []
  private seq = 0
  private armed: timer.Timer | undefined = undefined
  private armedFor = Infinity
  private running = false
  private closed = false

  constructor(readonly clock: Clock.Clock) {}

  /** The clock's time, in milliseconds. */
  get now(): number {
    return this.clock.unsafeCurrentTimeMillis()
  }

  /** Runs `f` at `time` (milliseconds on the clock; a time already past means now). */
  at(time: number, f: () => void): Event {
    const entry = new Entry(Math.max(time, this.now), this.seq++, f)
    if (this.closed) {
      entry.cancelled = true
      return entry
    }
    this.push(entry)
    if (!this.running && entry.time < this.armedFor) this.arm(entry.time)
    return entry
  }

  /** Runs `f` after `millis`. */
  after(millis: number, f: () => void): Event {
    return this.at(this.now + millis, f)
  }

  /** Drops every event and stops the timer: the network is gone. */
  close(): void {
    this.closed = true
    this.armed?.cancel()
    this.armed = undefined
    this.heap.length = 0
  }

  private arm(time: number): void {
    this.armed?.cancel()
    this.armedFor = time
    const delay = time - this.now
    this.armed = timer.schedule(this.clock, delay > NANO ? delay : 0, () => this.fire())
  }

  private fire(): void {
    this.armed = undefined
    this.armedFor = Infinity
    this.running = true
    try {
      const now = this.now
      for (;;) {
        const head = this.heap[0]
        if (head === undefined || head.time > now + NANO) break
        this.pop()
        if (!head.cancelled) head.run()
      }
    } finally {
      this.running = false
    }
    const next = this.nextLive()
    if (next !== undefined && !this.closed) this.arm(next.time)
  }

  private nextLive(): Entry | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop()
    return this.heap[0]
  }

  private push(entry: Entry): void {
    const heap = this.heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  private pop(): void {
    const heap = this.heap
    const last = heap.pop()!
    if (heap.length === 0) return
    heap[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right
      if (smallest === i) break
      ;[heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!]
      i = smallest
    }
  }
}
