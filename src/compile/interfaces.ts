/**
 * Interface names and UDP ports. A name depends only on the network, the
 * purpose and the hub at the other end, so it is stable whatever else changes.
 *
 * Layout per node (ports count up from the node's base port; a peer's public
 * port is its endpoint port plus the same offset):
 * - hub:   `hw_NET` for its spokes (offset 0); `hw_NET_HUB` to each other hub
 *          (offset 1 + index of that hub among the other hubs, by name).
 * - spoke: `hw_NET_HUB` per hub (offset = priority); in a mesh network `hw_NET`
 *          for direct spoke peers (offset = number of hubs).
 * - external: `hw_NET_HUB` per hub; alternative configs, one in use at a time.
 */
import { createHash } from "node:crypto";
import type { InterfacePurpose } from "../model/index.js";

/** Linux allows 15 characters; wg-quick also requires [a-zA-Z0-9_=+.-]. */
export const MAX_IFNAME = 15;

/**
 * `_` never occurs in DNS labels, so readable names cannot collide across
 * network/hub splits; names too long fall back to `hwx` + 12 hash characters.
 */
export function interfaceName(purpose: InterfacePurpose, network: string, remote?: string): string {
  const readable = remote === undefined ? `hw_${network}` : `hw_${network}_${remote}`;
  if (readable.length <= MAX_IFNAME) return readable;
  const digest = createHash("sha256")
    .update(`${purpose}\0${network}\0${remote ?? ""}`)
    .digest();
  return `hwx${base32(digest).slice(0, 12)}`;
}

function base32(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/** Offset of a hub's link interface toward `remote` among its other hubs (sorted names). */
export function linkOffset(self: string, remote: string, hubNames: readonly string[]): number {
  const others = hubNames.filter((h) => h !== self);
  return 1 + others.indexOf(remote);
}
