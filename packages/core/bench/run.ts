/**
 * Runs every `*.bench.ts` of this folder in turn, each in a process of its own, with the arguments
 * given to `npm run bench -- ...` (`--json`, `--quick`). npm appends those arguments to the end of the
 * script line, so a line of `tsx a && tsx b` would pass them to the last benchmark only.
 *
 *   npm run bench -w @netfx/core -- --json
 */
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const folder = fileURLToPath(new URL(".", import.meta.url))
const benches = readdirSync(folder).filter((name) => name.endsWith(".bench.ts")).sort()

for (const bench of benches) {
  // The same runtime flags as this runner: tsx's loader and the @netfx/source condition.
  const { status } = spawnSync(process.execPath, [...process.execArgv, bench, ...process.argv.slice(2)], {
    cwd: folder,
    stdio: "inherit"
  })
  if (status !== 0) process.exit(status ?? 1)
}
