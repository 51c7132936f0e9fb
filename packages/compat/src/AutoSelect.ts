/**
 * The process-wide autoselection settings: Node's four functions, and netfx's choice of race.
 *
 * netfx races addresses as RFC 8305 says (`"staggered"`, the default): when the attempt delay
 * passes, the next address is tried beside the earlier attempt, which keeps running and may still
 * win. Node (`"sequential"`) aborts each attempt when its delay passes, so a live address slower
 * than the delay can never win. `setDefaultAutoSelectFamilyPolicy("sequential")` (or the
 * `NETFX_AUTOSELECT_POLICY=sequential` environment variable, or the per-connection option
 * `autoSelectFamilyPolicy`) restores Node's exact behaviour.
 *
 * @since 0.1.0
 */
import * as autoSelect from "./internal/autoSelect.js"

/**
 * Whether connections race the addresses of both families by default (`net.getDefaultAutoSelectFamily`).
 *
 * @since 0.1.0
 * @category getters
 */
export const getDefaultAutoSelectFamily = (): boolean => autoSelect.getFamily()

/**
 * Sets the default of the `autoSelectFamily` option (`net.setDefaultAutoSelectFamily`).
 *
 * @since 0.1.0
 * @category setters
 */
export const setDefaultAutoSelectFamily = (value: boolean): void => autoSelect.setFamily(value)

/**
 * The default attempt delay in milliseconds (`net.getDefaultAutoSelectFamilyAttemptTimeout`).
 *
 * @since 0.1.0
 * @category getters
 */
export const getDefaultAutoSelectFamilyAttemptTimeout = (): number => autoSelect.getAttemptTimeout()

/**
 * Sets the default attempt delay (`net.setDefaultAutoSelectFamilyAttemptTimeout`); values under 10
 * become 10.
 *
 * @since 0.1.0
 * @category setters
 */
export const setDefaultAutoSelectFamilyAttemptTimeout = (value: number): void => autoSelect.setAttemptTimeout(value)

/**
 * `"staggered"` (RFC 8305, the default) or `"sequential"` (Node's race).
 *
 * @since 0.1.0
 * @category models
 */
export type AutoSelectFamilyPolicy = autoSelect.AutoSelectFamilyPolicy

/**
 * The default race policy (netfx only; `"staggered"` unless set).
 *
 * @since 0.1.0
 * @category getters
 */
export const getDefaultAutoSelectFamilyPolicy = (): AutoSelectFamilyPolicy => autoSelect.getPolicy()

/**
 * Sets the default race policy (netfx only).
 *
 * @example
 * import { setDefaultAutoSelectFamilyPolicy } from "@netfx/compat"
 *
 * // Exactly Node's race: each attempt is aborted when its delay passes.
 * setDefaultAutoSelectFamilyPolicy("sequential")
 *
 * @since 0.1.0
 * @category setters
 */
export const setDefaultAutoSelectFamilyPolicy = (policy: AutoSelectFamilyPolicy): void => autoSelect.setPolicy(policy)
