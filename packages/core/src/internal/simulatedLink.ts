/**
 * One simulated TCP connection: two sockets (`SimSocket`, the `Handle` each side holds) joined by a
 * link, which carries the bytes of each direction (`Pipe`) the way the kernel and the network
 * would, on the simulated network's `EventQueue`:
 *
 *   write → socket buffer (Node's, unbounded; `write` answers false over 16 KiB)
 *         → send buffer (the kernel's, bounded) → the wire (latency, bandwidth, slicing)
 *         → receive buffer (the peer kernel's, bounded) → `onData` (unless paused)
 *
 * Flow control is TCP's: the receiver acknowledges what arrived and advertises the room left in its
 * receive buffer (its window); the sender sends no byte beyond the window and frees its send buffer
 * only on acknowledgement. So a reader that stops reading fills its receive buffer, the window
 * closes, the writer's send buffer fills, and its `write` answers false: backpressure end to end,
 * with every buffer bounded, as on a real socket. Acknowledgements travel back with the latency too.
 *
 * Faults: a pause or a partition freezes the link (nothing departs or arrives; the time frozen is
 * added to everything in flight); a cut resets the connection, or ends one direction with a FIN,
 * after byte N; a side that vanishes stops answering (what is sent to it is lost and never
 * acknowledged) and sends nothing more; a socket closed with unread data, or that receives data
 * after it closed, answers with an RST, as Linux does.
 */
import * as Effect from "effect/Effect"
import { PCGRandom } from "effect/Utils"
import { SocketError } from "../NetError.js"
import type * as SocketAddress from "../SocketAddress.js"
import type { Handle, HandleEvents } from "../Transport.js"
import type { Event, EventQueue } from "./eventQueue.js"

/** Node's default `writableHighWaterMark` for sockets. */
const HIGH_WATER_MARK = 16 * 1024
/** The largest segment: the loopback interface's, where no bandwidth is set. */
const LOOPBACK_SEGMENT = 64 * 1024
/** The largest segment on a link with a bandwidth: Ethernet's MSS, so a slow link trickles. */
const ETHERNET_SEGMENT = 1460

/** Which way bytes go on a link. @internal */
export type Direction = "toServer" | "toClient"

/** Which end of a link. @internal */
export type Side = "client" | "server"

/** The conditions of one link, resolved. @internal */
export interface Conditions {
  /** One-way delay, milliseconds. */
  latency: number
  /** Bytes per second, each direction; `Infinity` for none. */
  bandwidth: number
  /** The largest slice a write is delivered in (sizes 1..chunk, seeded); `Infinity` for none. */
  chunk: number
  paused: boolean
  sendBuffer: number
  receiveBuffer: number
  resetAfter: Partial<Record<Direction, number>>
  endAfter: Partial<Record<Direction, number>>
}

/** Linux's defaults (`net.ipv4.tcp_wmem` and `tcp_rmem`, before autotuning). @internal */
export const defaultConditions: Conditions = {
  latency: 0,
  bandwidth: Infinity,
  chunk: Infinity,
  paused: false,
  sendBuffer: 16 * 1024,
  receiveBuffer: 128 * 1024,
  resetAfter: {},
  endAfter: {}
}

/** What the buffers of one direction hold right now, in bytes. @internal */
export interface DirectionStats {
  /** In the sender's socket buffer, not yet taken by its kernel (`bufferSize`). */
  readonly queued: number
  /** In the sender's kernel send buffer: not yet sent, or sent and not yet acknowledged. */
  readonly sendBuffer: number
  /** On the wire. */
  readonly inFlight: number
  /** In the receiver's kernel receive buffer, not yet read. */
  readonly receiveBuffer: number
  /** Read by the receiver so far. */
  readonly delivered: number
}

const enum Kind {
  Data,
  Fin,
  Rst
}

interface Packet {
  arrival: number
  readonly kind: Kind
  readonly bytes: Uint8Array | undefined
}

interface Ack {
  arrival: number
  /** Every byte before this offset arrived. */
  readonly ack: number
  /** Room in the receive buffer when the acknowledgement left. */
  readonly window: number
}

type WriteCallback = (error?: SocketError) => void

interface Pending {
  bytes: Uint8Array
  readonly callback: WriteCallback | undefined
}

const encoder = new TextEncoder()

/** One direction of a link: the sender's buffers, the wire, the receiver's buffer. */
class Pipe {
  // The sender's socket buffer (Node's writable buffer).
  queue: Array<Pending> = []
  queued = 0
  needDrain = false
  /** `end()` was called: the FIN goes into the send buffer once the socket buffer is empty. */
  ending: Array<() => void> | undefined = undefined
  // The sender's kernel send buffer.
  unsent: Array<Uint8Array> = []
  unsentBytes = 0
  finQueued = false
  finSent = false
  /** Bytes sent (the next offset to send) and acknowledged. */
  sent = 0
  acked = 0
  /** The receiver's window as last advertised: no byte at or beyond this offset may be sent. */
  rightEdge: number
  serializing: Event | undefined = undefined
  /** When the segment being serialized is fully on the wire. */
  serializedAt = -Infinity
  /**
   * Since when the link has been busy without a break, at which bandwidth, and how many bytes it
   * sent since. Each segment is on the wire at the first whole millisecond by which the link has
   * sent it, counted from there rather than added up segment by segment: instants stay whole
   * milliseconds (exact in floating point, as tests compare them), and a long transfer takes
   * exactly its size divided by the bandwidth.
   */
  busySince = 0
  busyBandwidth = 0
  busyBytes = 0
  pendingSegment: Uint8Array | undefined = undefined
  // The wire, each way: packets forward, acknowledgements back.
  wire: Array<Packet> = []
  wireBytes = 0
  lastArrival = -Infinity
  wireEvent: Event | undefined = undefined
  acks: Array<Ack> = []
  lastAckArrival = -Infinity
  ackEvent: Event | undefined = undefined
  // The receiver's kernel receive buffer.
  received: Array<Uint8Array> = []
  receivedBytes = 0
  /** Bytes that arrived (the next offset expected). */
  arrived = 0
  read = 0
  terminal: Kind.Fin | Kind.Rst | undefined = undefined
  ackScheduled = false
  // Faults.
  /** Nothing departs or arrives any more (reset, or the link is gone). */
  dead = false
  /** What reaches the receiver is lost, unacknowledged: it vanished. */
  lost = false
  /** After an `endAfter` cut: bytes are swallowed (acknowledged, never delivered). */
  sinking = false

  constructor(
    readonly link: Link,
    readonly direction: Direction,
    readonly receiveBuffer: number
  ) {
    this.rightEdge = receiveBuffer
  }

  get from(): SimSocket {
    return this.direction === "toServer" ? this.link.client : this.link.server
  }
  get to(): SimSocket {
    return this.direction === "toServer" ? this.link.server : this.link.client
  }
  get reverse(): Pipe {
    return this.direction === "toServer" ? this.link.toClient : this.link.toServer
  }

  /** Bytes the send buffer holds: not yet sent, or not yet acknowledged. */
  get sendBufferBytes(): number {
    return this.unsentBytes + (this.pendingSegment?.length ?? 0) + (this.sent - this.acked)
  }

  stats(): DirectionStats {
    return {
      queued: this.queued,
      sendBuffer: this.sendBufferBytes,
      inFlight: this.wireBytes,
      receiveBuffer: this.receivedBytes,
      delivered: this.read
    }
  }

  // The sender.

  /** Queues a write; answers as Node's `write` does: whether the socket buffer is under 16 KiB. */
  write(bytes: Uint8Array, callback: WriteCallback | undefined): boolean {
    // Node counts the chunk before the system takes it: a 64 KiB write answers false, then drains.
    const below = this.queued + bytes.length < HIGH_WATER_MARK
    if (!below) this.needDrain = true
    this.queue.push({ bytes, callback })
    this.queued += bytes.length
    this.fill(true)
    this.pump()
    return below
  }

  end(callback: () => void): void {
    ;(this.ending ??= []).push(callback)
    this.fill(false)
    this.pump()
  }

  /** Moves what the send buffer has room for from the socket buffer into it. */
  fill(inWrite: boolean): void {
    if (this.dead) {
      // Nothing will be sent any more (the connection was reset): `end` has nothing to wait for.
      const ending = this.ending
      this.ending = undefined
      if (ending !== undefined) {
        this.link.events.at(this.link.events.now, () => {
          for (const callback of ending) callback()
        })
      }
      return
    }
    const capacity = this.link.sendBuffer
    while (this.queue.length > 0) {
      const room = capacity - this.sendBufferBytes
      if (room <= 0) return
      const head = this.queue[0]!
      if (head.bytes.length <= room) {
        this.queue.shift()
        this.unsent.push(head.bytes)
        this.unsentBytes += head.bytes.length
        this.queued -= head.bytes.length
        // Handed to the system: said at once, as the runtime's socket says it.
        head.callback?.()
      } else {
        this.unsent.push(head.bytes.subarray(0, room))
        this.unsentBytes += room
        this.queued -= room
        head.bytes = head.bytes.subarray(room)
        return
      }
    }
    if (this.needDrain) {
      this.needDrain = false
      const from = this.from
      // 'drain' is an event of its own, never from inside `write`.
      if (inWrite) this.link.events.at(this.link.events.now, () => from.drained())
      else from.drained()
    }
    const ending = this.ending
    if (ending !== undefined) {
      this.ending = undefined
      this.finQueued = true
      this.link.events.at(this.link.events.now, () => {
        for (const callback of ending) callback()
      })
    }
  }

  /** Drops the socket buffer (the socket was destroyed); the kernel still sends what it holds. */
  dropQueued(error: SocketError | undefined): void {
    const queue = this.queue
    this.queue = []
    this.queued = 0
    this.needDrain = false
    if (error !== undefined) { for (const pending of queue) pending.callback?.(error) }
  }

  /** Drops everything not yet sent, the kernel's too (an RST discards the send buffer). */
  dropUnsent(error: SocketError | undefined): void {
    this.dropQueued(error)
    this.unsent = []
    this.unsentBytes = 0
  }

  /** Sends what the window, the link and the send buffer allow. */
  pump(): void {
    const link = this.link
    if (this.dead || link.frozen || this.serializing !== undefined) return
    for (;;) {
      if (this.unsentBytes === 0) {
        if (this.finQueued && !this.finSent) {
          this.finSent = true
          this.depart({ arrival: 0, kind: Kind.Fin, bytes: undefined })
        }
        return
      }
      const window = this.rightEdge - this.sent
      if (window <= 0) return
      const conditions = link.conditions
      let size = Math.min(
        this.unsent[0]!.length,
        window,
        conditions.bandwidth === Infinity ? LOOPBACK_SEGMENT : ETHERNET_SEGMENT
      )
      if (conditions.chunk !== Infinity) size = Math.min(size, 1 + link.random.integer(conditions.chunk))
      const cut = link.cutAt(this.direction)
      if (cut !== undefined && cut > this.sent) size = Math.min(size, cut - this.sent)
      const segment = this.take(size)
      if (conditions.bandwidth === Infinity) {
        this.sent += size
        this.transmitted(segment)
        if (this.dead) return
        continue
      }
      // The segment occupies the link for its serialization time, then travels.
      const now = link.events.now
      if (now > this.serializedAt || this.busyBandwidth !== conditions.bandwidth) {
        this.busySince = now
        this.busyBandwidth = conditions.bandwidth
        this.busyBytes = 0
      }
      this.busyBytes += size
      this.pendingSegment = segment
      this.serializedAt = Math.ceil(this.busySince + (this.busyBytes * 1000) / conditions.bandwidth - 1e-9)
      this.serializing = link.events.at(this.serializedAt, () => this.serialized())
      return
    }
  }

  private serialized(): void {
    this.serializing = undefined
    const segment = this.pendingSegment!
    this.pendingSegment = undefined
    this.sent += segment.length
    this.transmitted(segment)
    this.pump()
  }

  /** Freezes serialization (the link is paused or partitioned); `resume` takes it up again. */
  freeze(): void {
    this.serializing?.cancel()
    this.wireEvent?.cancel()
    this.ackEvent?.cancel()
    this.wireEvent = undefined
    this.ackEvent = undefined
  }

  /** The link thaws after `shift` milliseconds frozen: everything in flight is that much later. */
  thaw(shift: number): void {
    for (const packet of this.wire) packet.arrival += shift
    for (const ack of this.acks) ack.arrival += shift
    this.lastArrival += shift
    this.lastAckArrival += shift
    this.busySince += shift
    if (this.serializing !== undefined) {
      this.serializedAt += shift
      this.serializing = this.link.events.at(this.serializedAt, () => this.serialized())
    }
    this.scheduleWire()
    this.scheduleAcks()
    this.pump()
  }

  private take(size: number): Uint8Array {
    const head = this.unsent[0]!
    this.unsentBytes -= size
    if (head.length === size) {
      this.unsent.shift()
      return head
    }
    this.unsent[0] = head.subarray(size)
    return head.subarray(0, size)
  }

  /** A segment is fully sent: it travels, or a cut at its end applies. */
  private transmitted(segment: Uint8Array): void {
    const link = this.link
    if (this.sinking) {
      // A middlebox ended this direction: it acknowledges and drops what follows.
      this.acknowledge(this.sent, this.receiveBuffer)
    } else {
      this.depart({ arrival: 0, kind: Kind.Data, bytes: segment })
    }
    const cut = link.cutAt(this.direction)
    if (cut !== undefined && this.sent >= cut) link.cut(this.direction)
  }

  /** Puts a packet on the wire; packets arrive in order (TCP delivers in order). */
  depart(packet: Packet): void {
    const arrival = Math.max(this.link.departureTime + this.link.conditions.latency, this.lastArrival)
    packet.arrival = arrival
    this.lastArrival = arrival
    this.wire.push(packet)
    if (packet.bytes !== undefined) this.wireBytes += packet.bytes.length
    this.scheduleWire()
  }

  /** An RST, sent now, after what is already on the wire. */
  sendReset(): void {
    this.dropUnsent(undefined)
    this.depart({ arrival: 0, kind: Kind.Rst, bytes: undefined })
  }

  private scheduleWire(): void {
    if (this.wireEvent !== undefined || this.link.frozen || this.wire.length === 0) return
    this.wireEvent = this.link.events.at(this.wire[0]!.arrival, () => {
      this.wireEvent = undefined
      this.arrive()
    })
  }

  /** Packets whose time has come reach the receiver. */
  private arrive(): void {
    const now = this.link.events.now
    while (this.wire.length > 0 && this.wire[0]!.arrival <= now && !this.link.frozen) {
      const packet = this.wire.shift()!
      if (packet.bytes !== undefined) this.wireBytes -= packet.bytes.length
      if (this.lost || this.link.gone) continue
      this.receive(packet)
    }
    this.scheduleWire()
  }

  private receive(packet: Packet): void {
    const to = this.to
    // Nothing follows an RST; an RST may follow a FIN (data sent to a socket that closed after it).
    if (this.terminal === Kind.Rst || (this.terminal === Kind.Fin && packet.kind !== Kind.Rst)) return
    if (packet.kind === Kind.Rst) {
      this.terminal = Kind.Rst
      this.dead = true
      this.reverse.dead = true
      this.reverse.dropUnsent(undefined)
      to.scheduleFlush()
      return
    }
    if (to.closed) {
      // Linux answers data that reaches a closed socket with an RST.
      if (packet.kind === Kind.Data) {
        this.dead = true
        this.reverse.sendReset()
        this.reverse.dead = true
      }
      return
    }
    if (packet.kind === Kind.Fin) {
      this.terminal = Kind.Fin
      to.scheduleFlush()
      return
    }
    const bytes = packet.bytes!
    this.received.push(bytes)
    this.receivedBytes += bytes.length
    this.arrived += bytes.length
    this.scheduleAck()
    to.scheduleFlush()
  }

  // The receiver.

  /** The receiver read what it was given: acknowledge, with the window that opened. */
  scheduleAck(): void {
    if (this.ackScheduled || this.lost) return
    this.ackScheduled = true
    this.link.events.at(this.link.events.now, () => {
      this.ackScheduled = false
      this.acknowledge(this.arrived, this.receiveBuffer - this.receivedBytes)
    })
  }

  private acknowledge(ack: number, window: number): void {
    if (this.link.gone) return
    const arrival = Math.max(this.link.departureTime + this.link.conditions.latency, this.lastAckArrival)
    this.lastAckArrival = arrival
    this.acks.push({ arrival, ack, window })
    this.scheduleAcks()
  }

  private scheduleAcks(): void {
    if (this.ackEvent !== undefined || this.link.frozen || this.acks.length === 0) return
    this.ackEvent = this.link.events.at(this.acks[0]!.arrival, () => {
      this.ackEvent = undefined
      const now = this.link.events.now
      while (this.acks.length > 0 && this.acks[0]!.arrival <= now && !this.link.frozen) {
        const { ack, window } = this.acks.shift()!
        if (this.dead) continue
        this.acked = Math.max(this.acked, ack)
        this.rightEdge = Math.max(this.rightEdge, ack + window)
      }
      this.fill(false)
      this.pump()
      this.scheduleAcks()
    })
  }
}

/** The link: both sockets, both directions, its conditions and its faults. @internal */
export class Link {
  readonly client: SimSocket
  readonly server: SimSocket
  readonly toServer: Pipe
  readonly toClient: Pipe
  readonly random: PCGRandom
  readonly sendBuffer: number
  /** Frozen by a pause or by a partition of the network. */
  private pausedAt: number | undefined = undefined
  partitioned = false
  /** Both sockets closed, or the link was torn down: nothing happens any more. */
  gone = false
  /** The offsets at which each direction is cut, as the conditions set them. */
  private readonly cuts: Partial<Record<Direction, { readonly at: number; readonly kind: "reset" | "end" }>> = {}

  constructor(
    readonly events: EventQueue,
    readonly conditions: Conditions,
    seed: number,
    index: number,
    addresses: {
      readonly client: SocketAddress.SocketAddress | string | undefined
      readonly server: SocketAddress.SocketAddress | string | undefined
    },
    private readonly onSocketClosed: (socket: SimSocket) => void,
    private readonly onGone: (link: Link) => void
  ) {
    this.random = new PCGRandom(seed, index)
    this.sendBuffer = conditions.sendBuffer
    this.client = new SimSocket(this, "client", addresses.client, addresses.server)
    this.server = new SimSocket(this, "server", addresses.server, addresses.client)
    this.toServer = new Pipe(this, "toServer", conditions.receiveBuffer)
    this.toClient = new Pipe(this, "toClient", conditions.receiveBuffer)
    this.applyCuts()
    if (conditions.paused) this.pausedAt = events.now
  }

  get frozen(): boolean {
    return this.pausedAt !== undefined
  }

  /**
   * When what is sent now leaves: now, or, on a frozen link, the instant it froze (the time frozen
   * is added to everything in flight when it thaws, so it leaves at the thaw).
   */
  get departureTime(): number {
    return this.pausedAt ?? this.events.now
  }

  /** Applies new conditions (the fields given replace the current ones). */
  update(conditions: Partial<Conditions>): void {
    const wasPaused = this.conditions.paused
    Object.assign(this.conditions, conditions)
    if (conditions.resetAfter !== undefined || conditions.endAfter !== undefined) this.applyCuts()
    if (this.conditions.paused !== wasPaused) this.refreeze()
    // A new bandwidth, chunk size or window takes effect for the next segment.
    this.toServer.pump()
    this.toClient.pump()
  }

  setPartitioned(partitioned: boolean): void {
    this.partitioned = partitioned
    this.refreeze()
  }

  private refreeze(): void {
    const frozen = this.conditions.paused || this.partitioned
    if (frozen === this.frozen || this.gone) return
    if (frozen) {
      this.pausedAt = this.events.now
      this.toServer.freeze()
      this.toClient.freeze()
      return
    }
    const shift = this.events.now - this.pausedAt!
    this.pausedAt = undefined
    this.toServer.thaw(shift)
    this.toClient.thaw(shift)
  }

  private applyCuts(): void {
    for (const direction of ["toServer", "toClient"] as const) {
      const reset = this.conditions.resetAfter[direction]
      const end = this.conditions.endAfter[direction]
      const cut = reset !== undefined && (end === undefined || reset <= end)
        ? { at: reset, kind: "reset" as const }
        : end !== undefined
        ? { at: end, kind: "end" as const }
        : undefined
      if (cut === undefined) delete this.cuts[direction]
      else this.cuts[direction] = cut
      // Already past that byte: the cut happens now.
      const pipe = direction === "toServer" ? this.toServer : this.toClient
      if (pipe !== undefined && cut !== undefined && pipe.sent >= cut.at && !pipe.sinking) this.cut(direction)
    }
  }

  /** Where the next cut of a direction is, if any. */
  cutAt(direction: Direction): number | undefined {
    return this.cuts[direction]?.at
  }

  /** Cuts a direction at its offset: an RST both ways, or a FIN to the receiver. */
  cut(direction: Direction): void {
    const cut = this.cuts[direction]
    if (cut === undefined) return
    delete this.cuts[direction]
    const pipe = direction === "toServer" ? this.toServer : this.toClient
    if (cut.kind === "end") {
      // The receiver sees the stream end here; what the sender sends next is swallowed.
      pipe.sinking = true
      if (!pipe.finSent) pipe.depart({ arrival: 0, kind: Kind.Fin, bytes: undefined })
      pipe.finSent = true
      return
    }
    // A middlebox resets the connection: each side gets an RST after what is already on its way.
    pipe.sendReset()
    pipe.reverse.sendReset()
    pipe.dead = true
    pipe.reverse.dead = true
  }

  /** One side's host is gone: it says nothing more, and what is sent to it is lost. */
  vanish(side: Side): void {
    const socket = side === "client" ? this.client : this.server
    const outbound = side === "client" ? this.toServer : this.toClient
    outbound.dropUnsent(undefined)
    outbound.dead = true
    outbound.reverse.lost = true
    socket.vanished()
  }

  /** Both sides fail at once with ECONNRESET (`TestNetwork.reset`). */
  reset(): void {
    this.toServer.dead = true
    this.toClient.dead = true
    this.client.fail(new SocketError({ code: "ECONNRESET", syscall: "read" }))
    this.server.fail(new SocketError({ code: "ECONNRESET", syscall: "read" }))
  }

  stats(): { readonly toServer: DirectionStats; readonly toClient: DirectionStats } {
    return { toServer: this.toServer.stats(), toClient: this.toClient.stats() }
  }

  /** A socket closed; once both are, the link is torn down and its events dropped. */
  socketClosed(socket: SimSocket): void {
    this.onSocketClosed(socket)
    if (this.client.closed && this.server.closed) this.teardown()
  }

  teardown(): void {
    if (this.gone) return
    this.gone = true
    for (const pipe of [this.toServer, this.toClient]) {
      pipe.freeze()
      pipe.dead = true
      pipe.wire = []
      pipe.acks = []
    }
    this.onGone(this)
  }

  outbound(socket: SimSocket): Pipe {
    return socket === this.client ? this.toServer : this.toClient
  }

  inbound(socket: SimSocket): Pipe {
    return socket === this.client ? this.toClient : this.toServer
  }
}

/** One side of a simulated connection: the `Handle` its owner holds. @internal */
export class SimSocket implements Handle {
  private events: HandleEvents | undefined = undefined
  private paused = false
  private flushScheduled = false
  private endDelivered = false
  private writeEnded = false
  closed = false
  private bytesReadCount = 0
  private bytesWrittenCount = 0
  private typeOfService = 0

  constructor(
    private readonly link: Link,
    readonly side: Side,
    private readonly local: SocketAddress.SocketAddress | string | undefined,
    private readonly remote: SocketAddress.SocketAddress | string | undefined
  ) {}

  private get out(): Pipe {
    return this.link.outbound(this)
  }
  private get in(): Pipe {
    return this.link.inbound(this)
  }

  listen(events: HandleEvents): void {
    this.events = events
    this.scheduleFlush()
  }
  pause(): void {
    this.paused = true
  }
  resume(): void {
    this.paused = false
    this.scheduleFlush()
  }
  write(chunk: Uint8Array | string, callback?: (error?: SocketError) => void): boolean {
    if (this.closed || this.writeEnded) {
      const error = new SocketError({ code: this.closed ? "ERR_SOCKET_CLOSED" : "EPIPE", syscall: "write" })
      if (callback !== undefined) queueMicrotask(() => callback(error))
      return false
    }
    // The peer reset the connection: the system refuses the write, and the reset is reported.
    if (this.in.terminal === Kind.Rst) {
      const error = new SocketError({ code: "ECONNRESET", syscall: "write" })
      this.link.events.at(this.link.events.now, () => {
        callback?.(error)
        this.fail(error)
      })
      return false
    }
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk
    if (bytes.length === 0) {
      callback?.()
      return this.out.queued < HIGH_WATER_MARK
    }
    this.bytesWrittenCount += bytes.length
    // A pipe reset by a cut or a vanished host swallows writes until the reset reaches us.
    return this.out.write(bytes, callback)
  }
  end(callback: (error?: SocketError) => void): void {
    if (this.closed || this.writeEnded) {
      queueMicrotask(() => callback())
      return
    }
    this.writeEnded = true
    this.out.end(() => callback())
  }
  destroy(): void {
    if (this.closed) return
    const out = this.out
    const ending = out.ending
    out.ending = undefined
    this.writeEnded = true
    if (this.in.receivedBytes > 0 && !out.dead) {
      // Linux sends an RST instead of a FIN when a socket closes with unread data.
      out.sendReset()
      out.dead = true
    } else {
      // Node drops its own buffer; the kernel still sends what it holds, then the FIN.
      out.dropQueued(new SocketError({ code: "ERR_STREAM_DESTROYED", syscall: "write" }))
      out.finQueued = true
      out.pump()
    }
    this.close()
    if (ending !== undefined) queueMicrotask(() => ending.forEach((callback) => callback()))
  }
  reset(): void {
    if (this.closed) return
    const out = this.out
    if (!out.dead) {
      out.sendReset()
      out.dead = true
    }
    this.close()
  }
  setNoDelay(): void {}
  ref(): void {}
  unref(): void {}
  setKeepAlive(): void {}
  setTypeOfService(tos: number): Effect.Effect<void, SocketError> {
    return Effect.sync(() => {
      this.typeOfService = tos
    })
  }
  getTypeOfService(): Effect.Effect<number, SocketError> {
    return Effect.sync(() => this.typeOfService)
  }
  bytesRead(): number {
    return this.bytesReadCount
  }
  bytesWritten(): number {
    return this.bytesWrittenCount
  }
  bufferSize(): number {
    return this.out.queued
  }
  localAddress(): SocketAddress.SocketAddress | string | undefined {
    return this.local
  }
  remoteAddress(): SocketAddress.SocketAddress | string | undefined {
    return this.remote
  }

  /** Fails with `error` and closes (an RST reached us, or the network reset the link). */
  fail(error: SocketError): void {
    if (this.closed) return
    this.events?.onError(error)
    this.close()
  }

  /** This side's host vanished: it just stops, with nothing sent and nothing more received. */
  vanished(): void {
    if (this.closed) return
    this.close()
  }

  drained(): void {
    if (!this.closed) this.events?.onDrain()
  }

  private close(): void {
    this.closed = true
    const inbound = this.in
    inbound.received = []
    inbound.receivedBytes = 0
    const events = this.events
    if (events !== undefined) queueMicrotask(() => events.onClose())
    this.link.socketClosed(this)
  }

  scheduleFlush(): void {
    if (this.flushScheduled || this.events === undefined) return
    this.flushScheduled = true
    this.link.events.at(this.link.events.now, () => {
      this.flushScheduled = false
      this.flush()
    })
  }

  /** Hands the reader what its receive buffer holds, unless it paused; then the FIN or the RST. */
  private flush(): void {
    const events = this.events
    if (events === undefined || this.closed) return
    const inbound = this.in
    let read = false
    while (!this.paused && inbound.received.length > 0 && !this.closed) {
      const chunk = inbound.received.shift()!
      inbound.receivedBytes -= chunk.length
      inbound.read += chunk.length
      this.bytesReadCount += chunk.length
      read = true
      events.onData(chunk)
    }
    if (read && !this.closed) inbound.scheduleAck()
    if (this.closed || inbound.received.length > 0) return
    if (inbound.terminal === Kind.Rst) return this.fail(new SocketError({ code: "ECONNRESET", syscall: "read" }))
    if (inbound.terminal === Kind.Fin && !this.endDelivered) {
      this.endDelivered = true
      events.onEnd()
    }
  }
}
