/**
 * `Server` and `createServer` of `@netfx/compat` against node:net, with node:net clients: every scenario's
 * record must be the same.
 */
import { describeScenarios } from "./scenarios/differential.js"
import { serverScenarios } from "./scenarios/server.js"

describeScenarios("Server", serverScenarios)
