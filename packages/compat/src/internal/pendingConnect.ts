/**
 * One `connect()` of a socket, from the call to the connection or its failure: the core's dial
 * (`Connection.dial`: lookup, block list, the race, attempts) run in a scope of its own, its
 * events told as Node's (`lookup`, `connectionAttempt`, `connectionAttemptFailed`,
 * `connectionAttemptTimeout`), and its failure as Node's error. A socket makes a new one on each
 * `connect()`; callbacks of an older one find it is no longer the socket's and do nothing.
 */
import { Connection, NetError } from "@netfx/core"
import type { BlockList as CoreBlockList } from "@netfx/core"
import type { Handle } from "@netfx/core/Transport"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { type BlockList, toCore as blockListToCore } from "../BlockList.js"
import { isIP } from "../IP.js"
import { type ConnectOptions, type TcpRequest, tcpRequest } from "./connectArgs.js"
import { fromAttemptError, fromConnectFailure, type LocalBinding } from "./connectErrors.js"
import { ERR_IP_BLOCKED } from "./errors.js"
import { lookupStep } from "./lookup.js"
import { services } from "./runtime.js"
import { validateString } from "./validators.js"

/**
 * What lib/net.js `connect()` does once the socket is connecting: a Unix socket path, or the TCP
 * options checked in Node's order; then the dial, on a pending connect that `begin` makes (and
 * makes the socket's current one).
 */
export const startConnect = <A>(
  options: ConnectOptions,
  blockList: BlockList | undefined,
  begin: () => PendingConnect<A>
): void => {
  const path = options.path
  if (path) {
    validateString(path, "options.path")
    begin().connectIpc(path)
  } else {
    const request = tcpRequest(options)
    begin().connectTcp(options, request, blockList === undefined ? undefined : blockListToCore(blockList))
  }
}

/** What a pending connect needs of its socket. */
export interface ConnectingSocket {
  readonly connecting: boolean
  readonly destroyed: boolean
  emit(event: string | symbol, ...args: Array<unknown>): boolean
  destroy(error?: Error): unknown
  autoSelectFamilyAttemptedAddresses?: Array<string> | undefined
}

/** How a socket implementation turns the core's dial into what it keeps. */
export interface Dialer<A> {
  /**
   * What the socket keeps of the connected core handle: the core handle itself, or the runtime's
   * (taken over); an `Error` when it cannot be taken.
   */
  readonly take: (handle: Handle) => A | Error
  /** Whether the core handle stays open after `take` (then `close`/`cancel` close it). */
  readonly keep: boolean
  /** The socket's current pending connect (a stale one's results are dropped). */
  readonly current: () => PendingConnect<A> | undefined
  /** Connected: the socket takes over. */
  readonly connected: (value: A, pending: PendingConnect<A>) => void
}

/**
 * One dial at the level of callbacks (`Connection.unsafeDial`, or the transport's connect for a
 * Unix socket): no fiber and no scope per connect. A success that comes after the socket moved on
 * is closed, never used; a kept handle is closed by `close`.
 */
class Dialing {
  #pending: { readonly cancel: () => void } | undefined = undefined
  #held: Handle | undefined = undefined

  start(
    dial: (onDone: (exit: Exit.Exit<Handle, Connection.ConnectFailure>) => void) => { readonly cancel: () => void },
    options: {
      readonly isCurrent: () => boolean
      readonly onDone: (exit: Exit.Exit<Handle, Connection.ConnectFailure>) => void
    }
  ): void {
    let settled = false
    const pending = dial((exit) => {
      settled = true
      this.#pending = undefined
      if (!options.isCurrent()) {
        if (Exit.isSuccess(exit)) exit.value.destroy()
        return
      }
      options.onDone(exit)
    })
    if (!settled) this.#pending = pending
  }

  /** Keeps the connected core handle, for `close` to close. */
  hold(handle: Handle): void {
    this.#held = handle
  }

  /** Stops the dial if it still runs, and closes a kept handle. */
  cancel(): void {
    const pending = this.#pending
    this.#pending = undefined
    pending?.cancel()
    this.close()
  }

  close(): void {
    const held = this.#held
    this.#held = undefined
    held?.destroy()
  }
}

/** See the module comment. */
export class PendingConnect<A> {
  /** Whether Node would race (the lookup gave more than one usable address). */
  racing = false
  #path: string | undefined = undefined
  #port: number | undefined = undefined
  #local: LocalBinding | undefined = undefined
  #run = new Dialing()
  #inConnect = true
  #thrown: { readonly error: unknown } | undefined = undefined

  constructor(readonly socket: ConnectingSocket, readonly dialer: Dialer<A>) {}

  /** Whether this is still the socket's connect, and the socket still connecting. */
  live(): boolean {
    return this.dialer.current() === this && this.socket.connecting
  }

  /** Stops the dial; what it acquired is released. */
  cancel(): void {
    this.#run.cancel()
  }

  /** The kept scope's resources are no longer needed (the socket closed the connection). */
  close(): void {
    this.#run.close()
  }

  /** A Unix domain socket. */
  connectIpc(path: string): void {
    this.#path = path
    // The runtime's own connect, with nothing to resolve or race: a path the system cannot take
    // (too long, say) fails as the runtime fails it, which differs between Node versions.
    this.#start((onDone) =>
      services.transport.connect({ _tag: "Ipc", path }, {
        onConnect: (handle) => onDone(Exit.succeed(handle)),
        onError: (error) =>
          onDone(Exit.fail(
            new NetError.ConnectError({
              reason: "Attempts",
              host: path,
              attempts: [new NetError.ConnectAttempt({ address: path, error, startedAt: 0, duration: 0 }, true)]
            }, true)
          ))
      })
    )
    this.#inConnect = false
  }

  /**
   * TCP: an IP literal is dialled on the next tick (Node connects then); a name goes through the
   * lookup step. Throws what connect() throws (a bad lookup option, a lookup that throws at once).
   */
  connectTcp(options: ConnectOptions, request: TcpRequest, blockList: CoreBlockList.BlockList | undefined): void {
    this.#port = request.port
    this.#local = { localAddress: request.localAddress, localPort: request.givenLocalPort }
    const onEvent = (event: Connection.ConnectEvent) => this.#onEvent(event)
    // One shape for every connect (keys given as undefined): the core's checks read each option,
    // and objects of many shapes make every read a slow lookup.
    const dialOptions = (
      family: 0 | 4 | 6 | undefined,
      lookup: Connection.TcpOptions["lookup"],
      autoSelectFamily: boolean,
      autoSelectFamilyPolicy: TcpRequest["policy"] | undefined,
      autoSelectFamilyAttemptDelay: number | undefined
    ): Connection.TcpOptions => ({
      host: request.host,
      port: request.port,
      localAddress: request.localAddress,
      localPort: request.localPort,
      blockList,
      onEvent,
      family,
      lookup,
      autoSelectFamily,
      autoSelectFamilyPolicy,
      autoSelectFamilyAttemptDelay
    })
    if (isIP(request.host)) {
      process.nextTick(() => {
        if (this.live()) this.#dial(dialOptions(undefined, undefined, false, undefined, undefined))
      })
      this.#inConnect = false
      return
    }
    const step = lookupStep(
      {
        live: () => this.live(),
        emit: (event, ...args) => this.socket.emit(event, ...args),
        racing: (racing) => this.racing = racing,
        failSoon: (error) => {
          this.cancel()
          process.nextTick(() => this.socket.destroy(error))
        },
        threw: (error) => {
          if (this.#inConnect) this.#thrown = { error }
        }
      },
      options,
      request.host,
      request.localAddress,
      request.autoSelectFamily
    )
    this.#dial(dialOptions(step.family, step.lookup, step.all, request.policy, request.attemptTimeout))
    this.#inConnect = false
    const thrown = this.#thrown
    if (thrown !== undefined) {
      this.cancel()
      throw thrown.error
    }
  }

  /** The core's dial, at the level of callbacks. */
  #dial(options: Connection.TcpOptions): void {
    this.#start((onDone) => Connection.unsafeDial(options, services, onDone))
  }

  #start(
    dial: (onDone: (exit: Exit.Exit<Handle, Connection.ConnectFailure>) => void) => { readonly cancel: () => void }
  ): void {
    this.#run.start(dial, {
      isCurrent: () => this.dialer.current() === this && !this.socket.destroyed && this.#thrown === undefined,
      onDone: (exit) => {
        if (Exit.isFailure(exit)) {
          const failure = Cause.failureOption(exit.cause)
          if (Option.isSome(failure)) this.#failed(failure.value)
          return
        }
        const handle = exit.value
        const taken = this.dialer.take(handle)
        if (taken instanceof Error) {
          handle.destroy()
          this.socket.destroy(taken)
          return
        }
        if (this.dialer.keep) this.#run.hold(handle)
        this.dialer.connected(taken, this)
      }
    })
  }

  /** The core's connect events, as Node's socket events (the one place that maps them). */
  #onEvent(event: Connection.ConnectEvent): void {
    if (!this.live()) return
    const socket = this.socket
    switch (event._tag) {
      case "Attempt":
        // Node lists the attempts only when it races (more than one address).
        if (this.racing) (socket.autoSelectFamilyAttemptedAddresses ??= []).push(`${event.address}:${event.port}`)
        socket.emit("connectionAttempt", event.address, event.port, event.family)
        break
      case "AttemptFailed":
        socket.emit(
          "connectionAttemptFailed",
          event.address,
          event.port,
          event.family,
          fromAttemptError(event, this.#local)
        )
        break
      case "AttemptTimeout":
        socket.emit("connectionAttemptTimeout", event.address, event.port, event.family)
        break
    }
  }

  /**
   * Connected to `address:port`: the winner is the last address Node lists in
   * `autoSelectFamilyAttemptedAddresses`; under the staggered race it may be an earlier one.
   */
  settleAttempts(address: string | undefined, port: number | undefined): void {
    const list = this.socket.autoSelectFamilyAttemptedAddresses
    if (list === undefined || address === undefined) return
    const at = list.lastIndexOf(`${address}:${port}`)
    if (at !== -1 && at !== list.length - 1) list.push(...list.splice(at, 1))
  }

  #failed(failure: Connection.ConnectFailure): void {
    // Node reports no failure from inside connect(): at the earliest on the next tick.
    if (this.#inConnect) {
      process.nextTick(() => {
        if (this.dialer.current() === this && !this.socket.destroyed) this.#failed(failure)
      })
      return
    }
    const socket = this.socket
    if (failure._tag === "ConnectError" && failure.reason === "Blocked") {
      // Node (22.13+) reports a lone blocked address as a failed attempt, and a race of blocked
      // addresses as an AggregateError of them with no attempt listed.
      const addresses = new Set(failure.blocked ?? [])
      if (this.racing && addresses.size > 1) {
        socket.autoSelectFamilyAttemptedAddresses = []
      } else {
        const address = [...addresses][0] ?? failure.host
        socket.emit("connectionAttempt", address, this.#port, isIP(address))
        if (socket.destroyed) return
        socket.destroy(new ERR_IP_BLOCKED(address))
        return
      }
    }
    const error = fromConnectFailure(failure, this.#local)
    // Node reports a failed Unix socket connect as a failed attempt too (no port, no family).
    if (this.#path !== undefined) socket.emit("connectionAttemptFailed", this.#path, undefined, undefined, error)
    if (socket.destroyed) return
    if (failure._tag === "ConnectError" && failure.reason === "Lookup") {
      // lib/net.js reports a failed lookup on the next tick (`connectErrorNT`).
      process.nextTick(() => socket.destroy(error))
      return
    }
    socket.destroy(error)
  }
}
