/**
 * Tunnel-address allocation. Each name has a preferred slot derived from a hash
 * of the name, so a node's address does not depend on the order nodes were
 * created in, nor (unless two names want the same slot) on which other nodes
 * exist. The controller pins every allocation by writing it back into the node,
 * which makes addresses fully stable from then on: pinned addresses are passed
 * in `taken` and never move.
 */
import { createHash } from "node:crypto";
import { familyBits, type Prefix, prefixEnd } from "./prefix.js";

export class PoolExhaustedError extends Error {
  constructor(readonly pool: Prefix) {
    super("no free address left in the pool");
  }
}

/** First and last assignable addresses: never the network address, nor IPv4 broadcast. */
export function usableRange(pool: Prefix): { first: bigint; last: bigint } {
  const end = prefixEnd(pool);
  const hostBits = familyBits(pool.family) - pool.length;
  if (hostBits < 2) return { first: 1n, last: 0n }; // empty
  return { first: pool.start + 1n, last: pool.family === 4 ? end - 1n : end };
}

function preferredOffset(name: string, size: bigint, family: 4 | 6): bigint {
  const digest = createHash("sha256").update(`hubwire-ipam-v1\0${family}\0${name}`).digest();
  return digest.readBigUInt64BE(0) % size;
}

/**
 * Allocates one address per name in `pool`, avoiding `taken`. Deterministic for
 * a given set of names, in any input order. Uncontested preferred slots are
 * granted first; contested ones go to the smallest name and the rest probe
 * forward (wrapping) to the next free address.
 */
export function allocateAddresses(
  pool: Prefix,
  names: readonly string[],
  taken: ReadonlySet<bigint>,
): Map<string, bigint> {
  const { first, last } = usableRange(pool);
  const size = last - first + 1n;
  const result = new Map<string, bigint>();
  if (names.length === 0) return result;
  if (size <= 0n) throw new PoolExhaustedError(pool);
  const used = new Set<bigint>(taken);
  const sorted = [...new Set(names)].sort();
  const losers: string[] = [];
  for (const name of sorted) {
    const address = first + preferredOffset(name, size, pool.family);
    if (used.has(address)) losers.push(name);
    else {
      used.add(address);
      result.set(name, address);
    }
  }
  for (const name of losers) {
    let offset = preferredOffset(name, size, pool.family);
    let tries = 0n;
    while (used.has(first + offset)) {
      offset = (offset + 1n) % size;
      if (++tries >= size) throw new PoolExhaustedError(pool);
    }
    used.add(first + offset);
    result.set(name, first + offset);
  }
  return result;
}
