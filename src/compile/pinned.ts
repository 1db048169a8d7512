/**
 * What `apply` keeps of a stored node when the new document leaves it out: the tunnel addresses
 * IPAM chose and the controller pinned, so re-applying the YAML a node was created from never
 * moves it. `plan --controller` compares the same way, so it shows only real changes.
 */
import type { Resource } from "../model/index.js";

export function keepPinned(before: Resource | undefined, after: Resource): Resource {
  if (before?.kind !== "Node" || after.kind !== "Node") return after;
  const spec = { ...after.spec };
  if (spec.tunnelAddress === undefined && before.spec.tunnelAddress !== undefined) {
    spec.tunnelAddress = before.spec.tunnelAddress;
  }
  if (spec.tunnelAddress6 === undefined && before.spec.tunnelAddress6 !== undefined) {
    spec.tunnelAddress6 = before.spec.tunnelAddress6;
  }
  return { ...after, spec };
}
