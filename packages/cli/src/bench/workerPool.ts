/**
 * The workers of a run, by name: forked on first use, forked again if one has died, closed (and
 * checked to exit) at the end.
 */
import { type Mode, spawnWorker, type Worker } from "./children.js"
import { messageOf } from "./plan.js"
import type { Implementation } from "./protocol.js"
import type { Sizes } from "./sizes.js"

export class Workers {
  private readonly workers = new Map<string, Promise<Worker>>()
  private readonly ports = new Map<string, number>()
  readonly notes: Array<string> = []

  constructor(readonly mode: Mode, readonly sizes: Sizes) {}

  /** The worker named `key`, forked on first use and forked again if it has died. */
  async get(key: string, start?: (worker: Worker) => Promise<void>): Promise<Worker> {
    const existing = this.workers.get(key)
    if (existing !== undefined) {
      const worker = await existing.catch(() => undefined)
      if (worker?.alive()) return worker
      this.workers.delete(key)
    }
    const made = spawnWorker(key, this.mode, this.sizes.requestMillis).then(async (worker) => {
      try {
        await start?.(worker)
        return worker
      } catch (error) {
        worker.kill()
        throw error
      }
    })
    this.workers.set(key, made)
    return made
  }

  /** The worker named `key` running an echo server of `impl` (on `host`), and its port. */
  async server(
    key: string,
    impl: Implementation,
    host?: string
  ): Promise<{ readonly worker: Worker; readonly port: number }> {
    const worker = await this.get(key, async (worker) => {
      this.ports.set(key, (await worker.request<{ port: number }>({ op: "listen", impl, host })).port)
    })
    return { worker, port: this.ports.get(key)! }
  }

  kill(key: string): void {
    const existing = this.workers.get(key)
    this.workers.delete(key)
    void existing?.then((worker) => worker.kill(), () => {})
  }

  /** Closes a worker and checks it exits: a worker that does not has left something open. */
  async close(key: string): Promise<void> {
    const existing = this.workers.get(key)
    this.workers.delete(key)
    const worker = await existing?.catch(() => undefined)
    if (worker === undefined || !worker.alive()) return
    try {
      await worker.close()
    } catch (error) {
      this.notes.push(messageOf(error))
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((key) => this.close(key)))
  }
}
