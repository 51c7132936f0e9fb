// What a user gets from npm: packs every package, installs the tarballs into a fresh app in a
// temporary directory (registry dependencies, no workspace links), and runs a smoke program against
// each package: an ESM import, a CommonJS require (Node's require(esm), 20.19+ and 22.12+), both on
// this Node, Node 22 and 24 (npx), and Bun and Deno when .ci/runtimes has them; a TypeScript compile
// with `moduleResolution` `nodenext` and `bundler`; and the `netfx` command through `npx @netfx/cli`.
// Every socket is on 127.0.0.1.
//
//   node scripts/pack-smoke.mjs [--no-build] [--keep]
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const args = process.argv.slice(2)
const packages = ["core", "compat", "cli"]
const manifest = (pkg) => JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8"))
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))

const run = (command, argv, options = {}) => {
  const started = performance.now()
  let output
  try {
    output = execFileSync(command, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options })
  } catch (error) {
    throw new Error(`${command} ${argv.join(" ")} failed (${error.status}):\n${error.stdout}${error.stderr}`)
  }
  console.log(`  ${command} ${argv.join(" ")} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
  return output
}
const check = (condition, message) => {
  if (!condition) throw new Error(message)
}

if (!args.includes("--no-build")) run("npm", ["run", "build"], { cwd: root })

const dir = mkdtempSync(join(tmpdir(), "netfx-pack-"))
const tarballs = join(dir, "tarballs")
const app = join(dir, "app")
mkdirSync(tarballs)
mkdirSync(app)
try {
  console.log(`packing into ${tarballs}`)
  const files = {}
  for (const pkg of packages) {
    const [packed] = JSON.parse(
      run("npm", ["pack", "--json", "--pack-destination", tarballs, `--workspace=packages/${pkg}`], { cwd: root })
    )
    files[pkg] = join(tarballs, packed.filename)
    const contents = new Set(packed.files.map((file) => file.path))
    for (const needed of ["README.md", "LICENSE", "package.json", "dist/index.js", "dist/index.d.ts"]) {
      check(contents.has(needed), `${packed.name}'s tarball has no ${needed}`)
    }
    check(![...contents].some((path) => path.startsWith("test/")), `${packed.name}'s tarball holds its tests`)
    const meta = manifest(pkg)
    for (const field of ["repository", "homepage", "keywords", "bugs", "license", "engines"]) {
      check(meta[field] !== undefined, `${packed.name} has no ${field}`)
    }
  }

  // The app: the tarballs, the peers at the ranges the packages ask for, TypeScript for the compile.
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "netfx-smoke-app", private: true }, null, 2))
  const peers = manifest("cli").peerDependencies
  run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    ...packages.map((pkg) => files[pkg]),
    `effect@${peers.effect}`,
    `@effect/platform@${peers["@effect/platform"]}`,
    `typescript@${rootManifest.devDependencies.typescript}`,
    `@types/node@${rootManifest.devDependencies["@types/node"]}`
  ], { cwd: app })
  check(
    !readFileSync(join(app, "package-lock.json"), "utf8").includes("\"link\": true"),
    "the app links to the workspace"
  )

  // ESM: every package, a real echo over each of core and compat.
  writeFileSync(
    join(app, "esm.mjs"),
    `import { Connection, NodeTransport, Resolver, Server, SocketAddress, IP } from "@netfx/core"
import * as PlatformSocket from "@netfx/core/PlatformSocket"
import net from "@netfx/compat"
import { Cli, BenchJson } from "@netfx/cli"
import { Effect, Layer, Stream } from "effect"

if (IP.isIP("127.0.0.1") !== 4 || net.isIP("::1") !== 6) throw new Error("isIP")
if (typeof PlatformSocket.fromConnection !== "function" || typeof Cli.main !== "function" || !BenchJson) {
  throw new Error("exports")
}
const core = Effect.gen(function*() {
  const server = yield* Server.serve({ host: "127.0.0.1", port: 0 }, (conn) =>
    Stream.run(conn.stream, conn.sink).pipe(Effect.zipRight(conn.end)))
  const port = SocketAddress.isSocketAddress(server.address) ? server.address.port : 0
  const conn = yield* Connection.connect({ host: "127.0.0.1", port })
  yield* conn.write("core")
  yield* conn.end
  return new TextDecoder().decode(yield* Connection.readAll(conn))
}).pipe(Effect.scoped, Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)))
if ((await Effect.runPromise(core)) !== "core") throw new Error("core echo")

const compat = await new Promise((resolve, reject) => {
  const server = net.createServer((socket) => socket.pipe(socket))
  server.listen(0, "127.0.0.1", () => {
    const socket = net.connect(server.address().port, "127.0.0.1", () => socket.end("compat"))
    let got = ""
    socket.on("data", (data) => (got += data))
    socket.on("error", reject)
    socket.on("close", () => server.close(() => resolve(got)))
  })
})
if (compat !== "compat") throw new Error("compat echo")
console.log("esm: ok")
`
  )
  run(process.execPath, ["esm.mjs"], { cwd: app })

  // CommonJS: require(esm).
  writeFileSync(
    join(app, "cjs.cjs"),
    `const net = require("@netfx/compat")
const { IP, BlockList } = require("@netfx/core")
const Connection = require("@netfx/core/Connection")
const { Cli } = require("@netfx/cli")
if (typeof Connection.connect !== "function" || typeof Cli.main !== "function") throw new Error("exports")
if (IP.isIPv4("10.0.0.1") !== true || typeof BlockList.check !== "function") throw new Error("core")
const server = net.createServer((socket) => socket.pipe(socket))
server.listen(0, "127.0.0.1", () => {
  const socket = net.connect(server.address().port, "127.0.0.1", () => socket.end("cjs"))
  let got = ""
  socket.on("data", (data) => (got += data))
  socket.on("close", () => server.close(() => {
    if (got !== "cjs") throw new Error("compat echo over require")
    console.log("cjs: ok")
  }))
})
`
  )
  run(process.execPath, ["cjs.cjs"], { cwd: app })

  // The same two programs on the other runtimes netfx supports, from the same installed tarballs.
  const runtimes = join(root, ".ci", "runtimes", "node_modules")
  const others = [
    ["Node 22", "npx", ["-y", "node@22"]],
    ["Node 24", "npx", ["-y", "node@24"]],
    ["Bun", join(runtimes, ".bin", "bun"), []],
    ["Deno", join(runtimes, "@deno", "linux-x64-glibc", "deno"), ["run", "-A", "--node-modules-dir=manual"]]
  ]
  for (const [label, command, prefix] of others) {
    if (command !== "npx" && !existsSync(command)) {
      console.log(`  ${label}: not installed (npm ci --prefix .ci/runtimes), skipped`)
      continue
    }
    for (const program of ["esm.mjs", "cjs.cjs"]) run(command, [...prefix, program], { cwd: app })
  }

  // TypeScript: the same imports, type-checked under both resolutions.
  const source = `import { Connection, NodeTransport, Resolver, type NetError } from "@netfx/core"
import * as Server from "@netfx/core/Server"
import * as PlatformSocketServer from "@netfx/core/PlatformSocketServer"
import net, { type AddressInfo } from "@netfx/compat"
import { BenchJson, Cli } from "@netfx/cli"
import { Effect, Layer, Schema } from "effect"

export const connect: Effect.Effect<void, NetError.ConnectionError | Connection.ConnectFailure> = Connection.connect({
  host: "127.0.0.1",
  port: 1
}).pipe(Effect.scoped, Effect.asVoid, Effect.provide(Layer.merge(NodeTransport.layer, Resolver.layerNode)))
export const server: typeof Server.listen = Server.listen
export const platform: typeof PlatformSocketServer.make = PlatformSocketServer.make
export const address = (server: ReturnType<typeof net.createServer>): number => (server.address() as AddressInfo).port
export const decode = Schema.decodeUnknownSync(BenchJson)
export const main: typeof Cli.main = Cli.main
`
  writeFileSync(join(app, "index.ts"), source)
  writeFileSync(join(app, "index.mts"), source)
  writeFileSync(
    join(app, "require.cts"),
    `import net = require("@netfx/compat")
import core = require("@netfx/core")
export const isIP: (input: string) => number = net.isIP
export const check: typeof core.BlockList.check = core.BlockList.check
`
  )
  const tsconfig = (moduleResolution, module, include) => ({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "ES2022",
      lib: ["ES2023"],
      types: ["node"],
      module,
      moduleResolution,
      skipLibCheck: false,
      exactOptionalPropertyTypes: true
    },
    include
  })
  writeFileSync(
    join(app, "tsconfig.nodenext.json"),
    JSON.stringify(tsconfig("nodenext", "nodenext", ["index.mts", "require.cts"]))
  )
  writeFileSync(join(app, "tsconfig.bundler.json"), JSON.stringify(tsconfig("bundler", "esnext", ["index.ts"])))
  run(join(app, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.nodenext.json"], { cwd: app })
  run(join(app, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.bundler.json"], { cwd: app })

  // The command, as `npx @netfx/cli` runs it from the installed tarball.
  const version = run("npx", ["--no-install", "@netfx/cli", "--version"], { cwd: app }).trim()
  check(version.includes(manifest("cli").version), `npx @netfx/cli --version printed ${version}`)
  const demo = run("npx", ["--no-install", "@netfx/cli", "demo"], { cwd: app, env: { ...process.env, NO_COLOR: "1" } })
  check(/echo|Happy Eyeballs/i.test(demo), `npx @netfx/cli demo printed:\n${demo}`)
  const bench = JSON.parse(
    run("npx", ["--no-install", "@netfx/cli", "bench", "--quick", "--only", "blocklist", "--json"], { cwd: app })
  )
  check(bench.schema === "netfx-bench/1" && bench.mode === "dist", "npx @netfx/cli bench --json")
  console.log("pack smoke: every package installs from its tarball and runs (ESM, CommonJS, TypeScript, npx)")
} finally {
  if (args.includes("--keep")) console.log(`kept ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
}
