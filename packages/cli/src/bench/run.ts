/**
 * Runs the suite without the CLI, for development and for the numbers in the README:
 *
 *   npx tsx --conditions=@netfx/source packages/cli/src/bench/run.ts [--quick] [--json] [--only bulk,memory]
 *
 * Progress goes to stderr, the table (or the JSON) to stdout.
 */
import { formatTable, runSuite, toJson } from "./index.js"

const args = process.argv.slice(2)
const onlyAt = args.indexOf("--only")
const started = performance.now()
const result = await runSuite({
  quick: args.includes("--quick"),
  only: onlyAt >= 0 ? args[onlyAt + 1]?.split(",") : undefined,
  onProgress: (event) => {
    const at = ((performance.now() - started) / 1000).toFixed(1).padStart(6)
    const where = `${at} s  ${event.scenario} ${event.implementation} round ${event.round}`
    if (event._tag === "Done") console.error(`${where}: ${event.value.toFixed(1)} ${event.unit}`)
  }
})
console.log(args.includes("--json") ? JSON.stringify(toJson(result), null, 2) : formatTable(result))
