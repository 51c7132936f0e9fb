// Summarize results/*.jsonl: median, min-max per version. Usage: node summarize.mjs
import { readFileSync } from "node:fs"
const rd = (f) =>
  readFileSync(new URL(`./results/${f}`, import.meta.url), "utf8").trim().split("\n").map((l) => JSON.parse(l))
const med = (a) => {
  const s = [...a].sort((x, y) => x - y), m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const st = (a, d = 2) =>
  `${med(a).toFixed(d)} [${Math.min(...a).toFixed(d)}–${Math.max(...a).toFixed(d)}] n=${a.length}`
const by = (rows, v) => rows.filter((r) => r.v === v)
const client = rd("client.jsonl")
console.log("## client (10k conns/round, conc 50)")
for (const v of ["3.22.4", "4.1.0"]) {
  const r = by(client, v)
  console.log(
    v,
    "node µs/conn",
    st(r.map((x) => x.node.cpuPerConn), 1),
    "| effect µs/conn",
    st(r.map((x) => x.effect.cpuPerConn), 1),
    "| ratio",
    st(r.map((x) => x.ratio)),
    "| effect−node µs",
    st(r.map((x) => x.effect.cpuPerConn - x.node.cpuPerConn), 1),
    "| node conn/s",
    st(r.map((x) => x.node.connPerSec), 0),
    "| effect conn/s",
    st(r.map((x) => x.effect.connPerSec), 0)
  )
}
const fl = rd("fiberlife.jsonl")
console.log("## fiber life µs CPU (100k, batches 1000)")
for (const v of ["3.22.4", "4.1.0"]) {
  const r = by(fl, v)
  for (const k of ["immediate", "emitter", "baseline-immediate", "baseline-emitter"]) {
    console.log(
      v,
      k,
      st(r.map((x) => x[k].us), 3)
    )
  }
  console.log(
    v,
    "immediate minus baseline",
    st(r.map((x) => x.immediate.us - x["baseline-immediate"].us), 3),
    "| emitter minus baseline",
    st(r.map((x) => x.emitter.us - x["baseline-emitter"].us), 3)
  )
}
const mem = rd("memory.jsonl")
console.log("## memory bytes per suspended instance (N=10k)")
for (const m of ["fiber", "stream", "echo", "scoped"]) {
  for (const v of ["3.22.4", "4.1.0"]) {
    const r = mem.filter((x) => x.v === v && x.mode === m)
    console.log(
      m,
      v,
      "bytes",
      st(r.map((x) => x.bytesEach), 0),
      "| residual after interrupt (same turn)",
      st(r.map((x) => x.residualEach), 0),
      "| after 1 turn",
      st(r.map((x) => x.residualAfterTurn), 0),
      "| allExited",
      r.every((x) => x.allExited)
    )
  }
}
const imp = rd("import.jsonl")
console.log("## import heap KB")
for (const h of ["barrel", "subpath"]) {
  for (const v of ["3.22.4", "4.1.0"]) {
    const r = imp.filter((x) => x.v === v && x.how === h)
    console.log(
      h,
      v,
      "import",
      st(r.map((x) => x.importEffectKB), 0),
      "| +Schema+TaggedError",
      st(r.map((x) => x.plusSchemaTaggedErrorKB), 0),
      "| total",
      st(r.map((x) => x.totalKB), 0),
      "| importMs",
      st(r.map((x) => x.importMs), 0)
    )
  }
}
