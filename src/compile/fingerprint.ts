/**
 * Revision fingerprints. JSON with keys in insertion order is deterministic
 * here because every state is built by the same code in the same key order
 * and every array is sorted.
 */
import { createHash } from "node:crypto";
import type { DesiredState } from "../model/index.js";

export function withRevision(state: Omit<DesiredState, "revision">): DesiredState {
  return place(state, createHash("sha256").update(JSON.stringify(state)).digest("hex").slice(0, 32));
}

/**
 * A hub's revision from its interface headers, link peers, fragment digests
 * and firewall: the same value for the same state however it was built, at a
 * fraction of the cost of hashing the whole JSON.
 */
export function withHubRevision(
  state: Omit<DesiredState, "revision">,
  fragmentDigests: string,
  firewallDigest: string,
): DesiredState {
  const hash = createHash("sha256");
  const { interfaces, firewall, ...header } = state;
  hash.update(JSON.stringify(header));
  for (const i of interfaces) {
    const fromFragments = i.purpose === "hub-spokes" || i.purpose === "hub-link";
    hash.update(
      JSON.stringify({
        ...i,
        routes: fromFragments ? null : i.routes,
        peers: i.purpose === "hub-spokes" ? null : i.peers,
      }),
    );
  }
  hash.update(fragmentDigests);
  hash.update(firewall ? firewallDigest : "");
  return place(state, hash.digest("hex").slice(0, 32));
}

function place(state: Omit<DesiredState, "revision">, revision: string): DesiredState {
  const { apiVersion, kind, protocol, node, network, role, ...rest } = state;
  return { apiVersion, kind, protocol, node, network, role, revision, ...rest };
}
