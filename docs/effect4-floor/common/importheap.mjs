// Heap cost of importing effect, then Schema + one TaggedError class. Usage: node --expose-gc importheap.mjs [barrel|subpath]
// barrel: import("effect"); subpath: import("effect/Effect") only (Schema then loaded separately)
const how = process.argv[2] ?? "barrel"
const gc = () => {
  for (let i = 0; i < 4; i++) global.gc()
  return process.memoryUsage().heapUsed
}
const h0 = gc()
let t = performance.now()
const effect = how === "barrel" ? await import("effect") : { Effect: await import("effect/Effect") }
const tImport = performance.now() - t
const h1 = gc()
t = performance.now()
const { Schema } = await import("effect/Schema").then((m) => ({ Schema: m })) // with the barrel already loaded this is the same module object as effect.Schema
class ConnectError
  extends Schema.TaggedError()("ConnectError", { message: Schema.String, code: Schema.optional(Schema.String) })
{}
const e = new ConnectError({ message: "refused" })
const tSchema = performance.now() - t
const h2 = gc()
// touch one effect program too (run it) so runtime lazies are included
await effect.Effect.runPromise(effect.Effect.void)
const h3 = gc()
const v = (await import("effect/package.json", { with: { type: "json" } })).default.version
console.log(JSON.stringify({
  v,
  how,
  baseHeap: h0,
  importEffectKB: +((h1 - h0) / 1024).toFixed(0),
  plusSchemaTaggedErrorKB: +((h2 - h1) / 1024).toFixed(0),
  plusRunPromiseKB: +((h3 - h2) / 1024).toFixed(0),
  totalKB: +((h3 - h0) / 1024).toFixed(0),
  importMs: +tImport.toFixed(1),
  schemaMs: +tSchema.toFixed(1),
  tag: e._tag
}))
