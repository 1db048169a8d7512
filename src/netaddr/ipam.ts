/**
 * Tunnel-address allocation. Each name has a preferred slot derived from a hash
 * of the name, so a node's address does not depend on the order nodes were
 * created in, nor (unless two names want the same slot) on which other nodes
 * exist. The controller pins every allocation by writing it back into the node,
 * which makes addresses fully stable from then on: pinned addresses are passed
 * in `taken` and never move. IPv4 addresses ending in .0 or .255 are never
 * handed out, even inside a larger pool where they are valid hosts: people
 * read them as network and broadcast addresses.
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

/** An IPv4 address people would take for a network or broadcast address (x.y.z.0, x.y.z.255). */
export function looksReserved(family: 4 | 6, address: bigint): boolean {
  if (family !== 4) return false;
  const last = address & 0xffn;
  return last === 0n || last === 255n;
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
  const free = (a: bigint) => !used.has(a) && !looksReserved(pool.family, a);
  const sorted = [...new Set(names)].sort();
  const losers: string[] = [];
  for (const name of sorted) {
    const address = first + preferredOffset(name, size, pool.family);
    if (!free(address)) losers.push(name);
    else {
      used.add(address);
      result.set(name, address);
    }
  }
  for (const name of losers) {
    let offset = preferredOffset(name, size, pool.family);
    let tries = 0n;
    while (!free(first + offset)) {
      offset = (offset + 1n) % size;
      if (++tries >= size) throw new PoolExhaustedError(pool);
    }
    used.add(first + offset);
    result.set(name, first + offset);
  }
  return result;
}

/**
 * As allocateAddresses over several pools in order: all of `names` in the first pool when they
 * fit, else one by one (in name order) into the first pool with room. Throws PoolExhaustedError
 * (naming the last pool) when none has room.
 */
export function allocateFromPools(
  pools: readonly Prefix[],
  names: readonly string[],
  taken: ReadonlySet<bigint>,
): Map<string, bigint> {
  if (pools.length === 0) throw new Error("allocateFromPools needs at least one pool");
  try {
    return allocateAddresses(pools[0]!, names, taken);
  } catch (error) {
    if (!(error instanceof PoolExhaustedError) || pools.length === 1) throw error;
  }
  const used = new Set<bigint>(taken);
  const result = new Map<string, bigint>();
  for (const name of [...new Set(names)].sort()) {
    let got: bigint | undefined;
    for (const pool of pools) {
      try {
        got = allocateAddresses(pool, [name], used).get(name)!;
        break;
      } catch (error) {
        if (!(error instanceof PoolExhaustedError)) throw error;
      }
    }
    if (got === undefined) throw new PoolExhaustedError(pools[pools.length - 1]!);
    used.add(got);
    result.set(name, got);
  }
  return result;
}
