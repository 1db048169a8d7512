/**
 * Revision fingerprints. JSON with keys in insertion order is deterministic
 * here because every state is built by the same code in the same key order
 * and every array is sorted.
 */
import { createHash } from "node:crypto";
import type { DesiredState } from "../model/index.js";

export function withRevision(state: Omit<DesiredState, "revision">): DesiredState {
  const revision = createHash("sha256").update(JSON.stringify(state)).digest("hex").slice(0, 32);
  const { apiVersion, kind, protocol, node, network, role, ...rest } = state;
  return { apiVersion, kind, protocol, node, network, role, revision, ...rest };
}
