/**
 * A request/response protocol over a byte stream: each message is a frame, a 4-byte big-endian
 * length and then that many bytes. TCP keeps no message boundaries, so a tiny decoder puts them
 * back: one read may hold several frames, or part of one. A frame over the limit is a typed error.
 *
 *   npx tsx --conditions=@netfx/source examples/framing.ts
 */
import { Connection, NodeTransport, Resolver, Server, SocketAddress } from "@netfx/core"
import { Console, Data, Effect, Layer, Queue, Stream } from "effect"

const MAX_FRAME = 64 * 1024

class FrameTooLarge extends Data.TaggedError("FrameTooLarge")<{ readonly length: number }> {}

const encode = (text: string): Buffer => {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(payload.length)
  return Buffer.concat([header, payload])
}

/** The decoder: keeps what is left of a partial frame and emits every whole frame it has. */
const frames = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>) =>
  bytes.pipe(
    Stream.mapAccumEffect(Buffer.alloc(0), (pending, chunk) => {
      let buffer = Buffer.concat([pending, chunk])
      const whole: Array<string> = []
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0)
        if (length > MAX_FRAME) return Effect.fail(new FrameTooLarge({ length }))
        if (buffer.length < 4 + length) break
        whole.push(buffer.subarray(4, 4 + length).toString())
        buffer = buffer.subarray(4 + length)
      }
      return Effect.succeed([buffer, whole] as const)
    }),
    Stream.flattenIterables
  )

// The server answers each request with its upper case, in order, and says what each read held.
const server = Server.serve({ host: "127.0.0.1", port: 0 }, (conn) =>
  conn.stream.pipe(
    Stream.tap((chunk) => Console.log(`server: read ${chunk.length} bytes`)),
    frames,
    Stream.tap((request) => Console.log(`server: request ${JSON.stringify(request)}`)),
    Stream.map((request) => encode(request.toUpperCase())),
    Stream.run(conn.sink),
    Effect.catchTag("FrameTooLarge", (error) => Console.log(`server: frame of ${error.length} bytes refused, closing`))
  ))

const program = Effect.gen(function*() {
  const { address } = yield* server
  const port = SocketAddress.isSocketAddress(address) ? address.port : 0
  const conn = yield* Connection.connect({ host: "127.0.0.1", port, noDelay: true })
  // Replies are decoded as they arrive and queued, so each request can wait for its own.
  const replies = yield* Queue.unbounded<string>()
  yield* frames(conn.stream).pipe(Stream.runForEach((reply) => Queue.offer(replies, reply)), Effect.forkScoped)

  // Three whole frames and the first half of a fourth, in one write.
  const fourth = encode("split across two writes")
  yield* conn.write(Buffer.concat([encode("ping"), encode("hello"), encode("netfx"), fourth.subarray(0, 10)]))
  for (let i = 0; i < 3; i++) yield* Console.log(`client: reply ${JSON.stringify(yield* Queue.take(replies))}`)
  // The rest of the fourth, sent only once the first three are answered: the server had to wait for it.
  yield* conn.write(fourth.subarray(10))
  yield* Console.log(`client: reply ${JSON.stringify(yield* Queue.take(replies))}`)

  // A header that claims 4 GiB: the server refuses it and closes the connection.
  yield* conn.write(Buffer.from([0xff, 0xff, 0xff, 0xff]))
  yield* conn.awaitClose
  yield* Console.log("client: the server closed the connection")
}).pipe(Effect.scoped, Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)))

Effect.runPromise(program)
