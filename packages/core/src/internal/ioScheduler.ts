/**
 * The scheduler of a server's handler fibers: a handler woken by its socket (bytes arrived, the
 * write buffer drained, the peer ended) runs at once, inside that I/O callback, instead of being
 * queued on Effect's default scheduler and run in a later microtask. An I/O callback is the bottom
 * of the stack, so running there is safe, and it saves each wake-up a scheduler task, a promise and
 * a queue (more garbage than the rest of a small exchange). Everything else — a fiber that yields,
 * a wake-up from another fiber, a timer — goes to the default scheduler, unchanged.
 *
 * Only wake-ups that `resumeFromIo` marks run at once, and never one inside another: a handler
 * woken from I/O that wakes another handler queues it.
 */
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scheduler from "effect/Scheduler"

let fromIo = false
let running = false

/** @internal */
export const scheduler: Scheduler.Scheduler = {
  scheduleTask(task, priority, fiber) {
    if (fromIo && !running && Option.isNone(Fiber.getCurrentFiber())) {
      fromIo = false
      running = true
      try {
        task()
      } finally {
        running = false
      }
      return
    }
    Scheduler.defaultScheduler.scheduleTask(task, priority, fiber)
  },
  shouldYield(fiber) {
    return Scheduler.defaultScheduler.shouldYield(fiber)
  }
}

/**
 * Calls `resume(value)` (an `Effect.async` resume, or any wake-up, from an I/O callback) so that a
 * handler fiber it wakes runs now.
 * @internal
 */
export const resumeFromIo = <A>(resume: (value: A) => void, value: A): void => {
  fromIo = true
  try {
    resume(value)
  } finally {
    fromIo = false
  }
}
