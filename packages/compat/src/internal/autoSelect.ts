/**
 * The process-wide autoselection defaults (`net.getDefaultAutoSelectFamily` and friends), and the
 * one netfx adds: the policy of the race.
 */
import { getDefaultAutoSelectFamily, getDefaultAutoSelectFamilyAttemptTimeout } from "node:net"
import { ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE } from "./errors.js"
import { validateInt32 } from "./validators.js"

/** `staggered`: RFC 8305, earlier attempts keep running; `sequential`: Node's own race. */
export type AutoSelectFamilyPolicy = "staggered" | "sequential"

// The runtime's own defaults, so that `--no-network-family-autoselection` and
// `--network-family-autoselection-attempt-timeout` apply to compat as well.
let family: boolean = typeof getDefaultAutoSelectFamily === "function" ? getDefaultAutoSelectFamily() : true
let attemptTimeout: number = typeof getDefaultAutoSelectFamilyAttemptTimeout === "function"
  ? getDefaultAutoSelectFamilyAttemptTimeout()
  : 250
let policy: AutoSelectFamilyPolicy = process.env["NETFX_AUTOSELECT_POLICY"] === "sequential"
  ? "sequential"
  : "staggered"

export const getFamily = (): boolean => family
export const setFamily = (value: unknown): void => {
  if (typeof value !== "boolean") return throwBoolean(value)
  family = value
}
export const getAttemptTimeout = (): number => attemptTimeout
export const setAttemptTimeout = (value: unknown): void => {
  validateInt32(value, "value", 1)
  attemptTimeout = value < 10 ? 10 : value
}
export const getPolicy = (): AutoSelectFamilyPolicy => policy
export const setPolicy = (value: unknown): void => {
  policy = validatePolicy(value, "policy")
}
export const validatePolicy = (value: unknown, name: string): AutoSelectFamilyPolicy => {
  if (value !== "staggered" && value !== "sequential") {
    throw new ERR_INVALID_ARG_VALUE(name, value, "must be 'staggered' or 'sequential'")
  }
  return value
}

const throwBoolean = (value: unknown): never => {
  throw new ERR_INVALID_ARG_TYPE("value", "boolean", value)
}
