/**
 * The services the commands run on: the runtime's own sockets and name lookup.
 *
 * @internal
 */
import { NodeTransport, Resolver } from "@netfx/core"
import * as Layer from "effect/Layer"

/** `NodeTransport` and the runtime's `dns.lookup`. */
export const layer = Layer.merge(NodeTransport.layer, Resolver.layerNode)
