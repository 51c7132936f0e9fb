import { assert, describe, it } from "@effect/vitest"
import { NetError } from "@netfx/core"
import { ExitCode } from "../src/index.js"
import { fromConnectionFailure, fromListenFailure } from "../src/internal/exitCode.js"

const attempt = (address: string, code = "ECONNREFUSED") =>
  new NetError.ConnectAttempt({
    address,
    port: 80,
    family: address.includes(":") ? 6 : 4,
    error: new NetError.SocketError({ code, syscall: "connect" }),
    startedAt: 0,
    duration: 1
  })

const failed = (...attempts: Array<NetError.ConnectAttempt>) =>
  new NetError.ConnectError({ reason: "Attempts", host: "x.test", port: 80, attempts })

describe("the exit codes of failures", () => {
  it("a name that does not resolve is 2, with getaddrinfo's message", () => {
    const error = fromConnectionFailure(
      new NetError.ConnectError({
        reason: "Lookup",
        host: "nonexistent.invalid",
        port: 80,
        attempts: [],
        cause: new NetError.ResolveError({ code: "ENOTFOUND", syscall: "getaddrinfo", hostname: "nonexistent.invalid" })
      })
    )
    assert.strictEqual(error.exitCode, ExitCode.Resolve)
    assert.strictEqual(error.message, "getaddrinfo ENOTFOUND nonexistent.invalid")
  })

  it("refused, every attempt failed, or blocked is 3", () => {
    assert.strictEqual(fromConnectionFailure(failed(attempt("127.0.0.1"))).exitCode, ExitCode.Refused)
    assert.strictEqual(fromConnectionFailure(failed(attempt("127.0.0.1"))).message, "connect ECONNREFUSED 127.0.0.1:80")
    const all = fromConnectionFailure(failed(attempt("::1"), attempt("127.0.0.1")))
    assert.strictEqual(all.exitCode, ExitCode.Refused)
    assert.strictEqual(
      all.message,
      "connect to x.test:80 failed after 2 attempts: connect ECONNREFUSED ::1:80, connect ECONNREFUSED 127.0.0.1:80"
    )
    const blocked = fromConnectionFailure(
      new NetError.ConnectError({ reason: "Blocked", host: "x.test", attempts: [], blocked: ["10.0.0.1"] })
    )
    assert.strictEqual(blocked.exitCode, ExitCode.Refused)
  })

  it("a timeout, of the connect, of every attempt or of an idle connection, is 4", () => {
    const timeouts = [
      new NetError.ConnectError({ reason: "Timeout", host: "x.test", port: 80, attempts: [], timeout: 5000 }),
      failed(attempt("192.0.2.1", "ETIMEDOUT")),
      new NetError.IdleTimeout({ timeout: 300 })
    ]
    for (const error of timeouts) assert.strictEqual(fromConnectionFailure(error).exitCode, ExitCode.Timeout)
  })

  it("a connection broken after it was made is 5; a bad option is 1", () => {
    const reset = fromConnectionFailure(new NetError.SocketError({ code: "ECONNRESET", syscall: "read" }))
    assert.strictEqual(reset.exitCode, ExitCode.Connection)
    assert.strictEqual(reset.message, "read ECONNRESET")
    const bad = fromConnectionFailure(
      new NetError.InvalidArgument({ code: "ERR_SOCKET_BAD_PORT", argument: "port", value: -1, reason: "is bad" })
    )
    assert.strictEqual(bad.exitCode, ExitCode.Usage)
  })

  it("a server that cannot listen is 6, with Node's message", () => {
    const error = fromListenFailure(
      new NetError.ListenError({
        code: "EADDRINUSE",
        syscall: "listen",
        description: "address already in use",
        address: "127.0.0.1",
        port: 8080
      })
    )
    assert.strictEqual(error.exitCode, ExitCode.Listen)
    assert.strictEqual(error.message, "listen EADDRINUSE: address already in use 127.0.0.1:8080")
  })
})
