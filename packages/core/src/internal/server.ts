/**
 * What `Server` shares with the modules built on it (`PlatformSocketServer`) and no user needs.
 */
import type * as FiberSet from "effect/FiberSet"

/**
 * The fibers that handle a server's connections, by server: `serve`'s handlers, and those that
 * `PlatformSocketServer` runs for a server from `listen`. The server's shutdown interrupts them once
 * its drain deadline has passed and before it closes the connections still open, so that a handler
 * cut short sees its interruption rather than the end of its connection.
 *
 * @internal
 */
export const handlers: WeakMap<object, FiberSet.FiberSet<void, never>> = new WeakMap()
