/**
 * Running a scenario: a `Plan` says how to set up, run and measure one round of an implementation;
 * `runPlan` runs the rounds, alternating between the implementations, and `judge` turns the
 * measurements into rows with their ratios against node:net and their targets.
 */
import type { BenchOptions, Row } from "./model.js"
import { coreStreamEcho, type Implementation } from "./protocol.js"

const netfx: ReadonlySet<Implementation> = new Set(["@netfx/compat", "@netfx/core", coreStreamEcho])

export const median = (values: ReadonlyArray<number>) => {
  const sorted = values.slice().sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The message of whatever was thrown. */
export const messageOf = (error: unknown) => error instanceof Error ? error.message : String(error)

export interface Metric<M> {
  readonly value: (measurement: M) => number
  readonly unit: string
  readonly better: "higher" | "lower"
  readonly target?: number | undefined
  /** Targets of their own for some implementations, in place of `target`. */
  readonly targets?: Partial<Record<Implementation, number>> | undefined
  /** Why this quantity is not reported in this run (its rows get the reason instead of a median). */
  readonly notMeasured?: string | undefined
}

export interface Plan<M> {
  readonly scenario: string
  readonly title: string
  readonly side: Row["side"]
  readonly implementations: ReadonlyArray<Implementation>
  readonly rounds: number
  readonly warmUps: number
  /** Prepares an implementation (its workers), all at once; a failure fails its rows. */
  readonly setup?: ((impl: Implementation) => Promise<void>) | undefined
  /** Before each measured round, with the implementations still running (all at once, errors ignored). */
  readonly beforeRound?: ((impl: Implementation) => Promise<void>) | undefined
  readonly round: (impl: Implementation) => Promise<M>
  /** After a failed round: frees what the implementation held (its workers). */
  readonly onFailure?: ((impl: Implementation) => void) | undefined
  /** The first metric is the one reported as progress. */
  readonly metrics: ReadonlyArray<Metric<M>>
  /** Implementations that cannot run the scenario, and why. */
  readonly unsupported?: Partial<Record<Implementation, string>> | undefined
}

/** A row before the ratios and targets, which need every row of its group. */
export type Measured = Omit<Row, "ratio" | "target" | "met"> & { readonly targetRatio: number | undefined }

/** Runs the plan's rounds: warm-ups, then measured rounds in an order rotated from round to round. */
export const runPlan = async <M>(plan: Plan<M>, onProgress: BenchOptions["onProgress"]): Promise<Array<Measured>> => {
  const measurements = new Map<Implementation, Array<M>>()
  const errors = new Map<Implementation, string>()
  for (const impl of plan.implementations) {
    measurements.set(impl, [])
    const unsupported = plan.unsupported?.[impl]
    if (unsupported !== undefined) errors.set(impl, unsupported)
  }
  const attempt = async (impl: Implementation, run: () => Promise<void>) => {
    if (errors.has(impl)) return
    try {
      await run()
    } catch (error) {
      errors.set(impl, messageOf(error))
      plan.onFailure?.(impl)
    }
  }
  // Workers start in parallel: a worker that loads Effect through tsx takes a second or two.
  if (plan.setup !== undefined) {
    await Promise.all(plan.implementations.map((impl) => attempt(impl, () => plan.setup!(impl))))
  }
  for (let round = 0; round < plan.warmUps; round++) {
    for (const impl of plan.implementations) await attempt(impl, () => plan.round(impl).then(() => undefined))
  }
  const primary = plan.metrics[0]!
  const steps = plan.rounds * plan.implementations.length
  let step = 0
  for (let round = 0; round < plan.rounds; round++) {
    const shift = round % plan.implementations.length
    const order = [...plan.implementations.slice(shift), ...plan.implementations.slice(0, shift)]
    if (plan.beforeRound !== undefined) {
      await Promise.all(
        order.filter((impl) => !errors.has(impl)).map((impl) => plan.beforeRound!(impl).catch(() => {}))
      )
    }
    for (const impl of order) {
      await attempt(impl, async () => {
        const event = { scenario: plan.scenario, implementation: impl, round: round + 1 }
        step++
        onProgress({ _tag: "Start", ...event, side: plan.side, rounds: plan.rounds, step, steps })
        const measurement = await plan.round(impl)
        measurements.get(impl)!.push(measurement)
        onProgress({ _tag: "Done", ...event, value: primary.value(measurement), unit: primary.unit })
      })
    }
  }
  return plan.metrics.flatMap((metric) =>
    plan.implementations.map((impl): Measured => {
      const error = errors.get(impl) ?? metric.notMeasured
      const values = error === undefined ? measurements.get(impl)!.map(metric.value) : []
      return {
        scenario: plan.scenario,
        title: plan.title,
        side: plan.side,
        implementation: impl,
        unit: metric.unit,
        better: metric.better,
        values,
        median: values.length > 0 ? median(values) : undefined,
        error: error ?? (values.length === 0 ? "no round was measured" : undefined),
        targetRatio: metric.targets?.[impl] ?? metric.target
      }
    })
  )
}

/** Ratios against node:net and the targets, within each group of rows measuring the same thing. */
export const judge = (measured: ReadonlyArray<Measured>): Array<Row> =>
  measured.map(({ targetRatio, ...row }) => {
    const same = (impl: Implementation) =>
      measured.find((other) =>
        other.scenario === row.scenario && other.side === row.side && other.unit === row.unit &&
        other.implementation === impl
      )?.median
    const node = same("node:net")
    const nodeSocket = same("NodeSocket")
    // A ratio needs two positive medians: a cost measured as 0 or below is under the measurement's
    // resolution (a quick run's CPU or RSS), and its ratio would read as 0.00x or worse.
    const ratio = row.median !== undefined && row.median > 0 && node !== undefined && node > 0
      ? row.median / node
      : undefined
    const target = targetRatio !== undefined && netfx.has(row.implementation)
      ? { ratio: targetRatio, aheadOfNodeSocket: true }
      : undefined
    let met: boolean | undefined
    if (target !== undefined && ratio !== undefined && row.median !== undefined) {
      const higher = row.better === "higher"
      const ratioMet = higher ? ratio >= target.ratio : ratio <= target.ratio
      const ahead = nodeSocket === undefined || (higher ? row.median > nodeSocket : row.median < nodeSocket)
      met = ratioMet && ahead
    }
    return { ...row, ratio, target, met }
  })
