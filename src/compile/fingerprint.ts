/**
 * Revision fingerprints. JSON with keys in insertion order is deterministic
 * here because every state is built by the same code in the same key order
 * and every array is sorted. A revision is a hash over the state's content,
 * not over its wire bytes: equal content, equal revision, however it was built.
 */
import { createHash } from "node:crypto";
import type { DesiredState } from "../model/index.js";

export function withRevision(state: Omit<DesiredState, "revision">): DesiredState {
  const { interfaces, ...header } = state;
  let text = JSON.stringify(header);
  for (const i of interfaces) {
    const { peers, routes, ...rest } = i;
    text += `\ni${peers.length}${JSON.stringify(rest)}`;
    for (const { allowedIPs, ...p } of peers) text += `\np${JSON.stringify(p)}${listText(allowedIPs)}`;
    text += `\nr${listText(routes)}`;
  }
  return place(state, createHash("sha256").update(text).digest("hex").slice(0, 32));
}

/**
 * Long lists (a spoke's destinations, its routes) are shared by identity across the spokes of one
 * destination class (see destinations.ts and node-state.ts): each is hashed once and stands in the
 * node's hash by its digest, so a change that moves 10,000 spokes' routes hashes the list once, not
 * 10,000 times. Short lists go in as JSON. The two forms cannot be confused (`#` never starts JSON).
 * Desired states are never mutated once built, so a digest kept by identity stays right.
 */
const listDigests = new WeakMap<readonly unknown[], string>();
const LONG_LIST = 16;

function listText(list: readonly unknown[]): string {
  if (list.length < LONG_LIST) return JSON.stringify(list);
  let digest = listDigests.get(list);
  if (digest === undefined) {
    digest = `#${createHash("sha256").update(JSON.stringify(list)).digest("hex")}`;
    listDigests.set(list, digest);
  }
  return digest;
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
