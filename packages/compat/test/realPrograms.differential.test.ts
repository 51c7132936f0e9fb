/**
 * What real programs and libraries do with sockets and servers (issue #14), on `@netfx/compat`
 * against node:net: every scenario's record must be the same.
 */
import { describeScenarios } from "./scenarios/differential.js"
import { realProgramScenarios } from "./scenarios/realPrograms.js"

describeScenarios("Real programs", realProgramScenarios)
