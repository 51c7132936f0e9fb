// A vitest reporter for scripts/runtimes.mjs: every test's id (`<package>/<file>: <describe> <test>`),
// state and, for a failure, its message and diff, written as JSON to $NETFX_RUNTIME_REPORT.
import { writeFileSync } from "node:fs"
import { join, relative } from "node:path"

const root = new URL("..", import.meta.url).pathname

export default class RuntimeReporter {
  onFinished(files = [], errors = []) {
    const tests = []
    const visit = (task, path, names) => {
      if (task.type === "test") {
        const error = task.result?.errors?.[0]
        tests.push({
          id: `${path}: ${[...names, task.name].join(" ")}`,
          state: task.result?.state ?? task.mode,
          message: error?.message?.split("\n")[0],
          diff: error?.diff?.replace(/\x1b\[[0-9;]*m/g, "")
        })
      }
      for (const child of task.tasks ?? []) visit(child, path, task.type === "suite" ? [...names, task.name] : names)
    }
    for (const file of files) {
      const path = relative(join(root, "packages"), file.filepath)
      // A file that could not run at all has no tests, only its own error.
      if ((file.tasks ?? []).length === 0 && file.result?.state === "fail") {
        tests.push({ id: `${path}: (the file)`, state: "fail", message: file.result.errors?.[0]?.message })
      }
      for (const task of file.tasks ?? []) visit(task, path, [])
    }
    const report = process.env.NETFX_RUNTIME_REPORT
    if (report) {
      writeFileSync(
        report,
        JSON.stringify(
          {
            tests,
            errors: errors.map((error) => String(error?.message ?? error))
          },
          null,
          1
        )
      )
    }
  }
}
