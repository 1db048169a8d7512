/**
 * The policy checks of an enrollment request against the current intent (SPEC §4), run inside
 * the enrollment transaction so what they see cannot change before the node is written: name,
 * role and network as the policy allows; tunnel address inside the policy's prefixes, not a
 * reserved address and held by no one (or allocated from the policy's prefixes); subnets inside
 * the policy's bounds and overlapping nothing; endpoint inside the policy's prefixes; a public key
 * nobody else holds. Each failure is an EnrollRejection with its own reason code.
 */

import {
  type Enrollment,
  type EnrollmentPolicy,
  matchesNamePattern,
  type Network,
  type Node,
  type Resource,
} from "../../model/index.js";
import type { JoinRequest } from "../../model/join-payload.js";
import {
  allocateAddresses,
  containsAddress,
  containsPrefix,
  formatIp,
  hostPrefix,
  type IpAddress,
  isDefaultRoute,
  overlaps,
  PoolExhaustedError,
  type Prefix,
  parseEndpoint,
  parseIp,
  parsePrefix,
  prefixEnd,
} from "../../netaddr/index.js";
import { resourceKey, type Snapshot } from "../state/snapshot.js";
import { enrollmentAddress, enrollmentStateOf, type HolderIndex } from "./holder-index.js";
import { EnrollRejection } from "./rejection.js";

export { enrollmentAddress, enrollmentStateOf } from "./holder-index.js";

/** Enrollment states that hold a name, address, subnets and key. */
const HOLDING = new Set(["Pending", "Approved"]);

/**
 * The key `name` is a peer with now: its Node's (rotation writes it there), else the one its
 * enrollment asked for. Only its holder may pick up a credential: a key rotated away must never
 * unlock the node again.
 */
export function currentKeyOf(snap: Snapshot, e: Enrollment): string {
  const node = snap.resources.get(resourceKey("Node", e.spec.nodeName)) as Node | undefined;
  return node?.spec.publicKey ?? e.spec.publicKey;
}

interface Holder {
  readonly name: string;
  readonly address?: string;
  readonly subnets: readonly string[];
  readonly publicKey?: string;
}

/**
 * Every node and live enrollment of the intent except `self` (whose own request this is), in the
 * intent's order: walked only to name the holder a refusal reports (the index found there is one).
 */
function holders(resources: Iterable<Resource>, network: string, self: string): Holder[] {
  const out: Holder[] = [];
  const all = [...resources];
  // An approved enrollment is represented by its Node (whose key may have been rotated since).
  const nodes = new Set(all.filter((r) => r.kind === "Node").map((r) => r.metadata.name));
  for (const r of all) {
    if (r.metadata.name === self) continue;
    if (r.kind === "Node") {
      out.push({
        name: r.metadata.name,
        address: r.spec.network === network ? r.spec.tunnelAddress : undefined,
        subnets: r.spec.network === network ? r.spec.subnets : [],
        publicKey: r.spec.publicKey,
      });
    } else if (
      r.kind === "Enrollment" &&
      HOLDING.has(enrollmentStateOf(r) ?? "") &&
      !(enrollmentStateOf(r) === "Approved" && nodes.has(r.metadata.name))
    ) {
      out.push({
        name: r.metadata.name,
        address: r.spec.network === network ? enrollmentAddress(r) : undefined,
        subnets: r.spec.network === network ? r.spec.subnets : [],
        publicKey: r.spec.publicKey,
      });
    }
  }
  return out;
}

const prefixOf = (text: string): Prefix => {
  const parsed = parsePrefix(text);
  if (!parsed.ok) throw new Error(`stored prefix ${text} is invalid`);
  return parsed.prefix;
};

/**
 * Checks `request` against `policy` and the intent (`resources`, which `held` indexes), refusing
 * with the first failing reason. Returns the tunnel address the node gets: the requested one, or
 * one allocated from the policy's prefixes (deterministic for the name, avoiding every address
 * held).
 */
export function checkRequest(
  request: JoinRequest,
  policy: EnrollmentPolicy,
  network: Network | undefined,
  resources: ReadonlyMap<string, Resource>,
  held: HolderIndex,
): string {
  const p = policy.spec;
  const name = request.nodeName;
  if (!network) throw new EnrollRejection("policy-mismatch", `network ${request.network} does not exist`);
  if (request.network !== p.network) {
    throw new EnrollRejection(
      "policy-mismatch",
      `policy ${policy.metadata.name} is for network ${p.network}`,
    );
  }
  if (request.role !== p.role) {
    throw new EnrollRejection("policy-mismatch", `policy ${policy.metadata.name} enrolls role ${p.role}`);
  }
  if (!p.nodeNames.some((pattern) => matchesNamePattern(pattern, name))) {
    throw new EnrollRejection(
      "name-not-allowed",
      `policy ${policy.metadata.name} does not allow the name ${name}`,
    );
  }
  if (held.keyHeld(request.publicKey, name))
    throw new EnrollRejection("key-in-use", "the public key is already held by another node");

  const overlay = prefixOf(network.spec.cidr);
  checkEndpoint(request.endpoint, p.endpointPrefixes.map(prefixOf));
  checkSubnets(request.subnets, p.subnetPrefixes, overlay, (subnet) =>
    held.mayClash(p.network, subnet, name, overlaps)
      ? holders(resources.values(), p.network, name)
      : undefined,
  );

  const pools = p.tunnelAddressPrefixes.map(prefixOf).filter((q) => q.family === 4);
  const allowed = pools.length > 0 ? pools : [overlay];
  if (request.tunnelAddress !== undefined) {
    const ip = parseIp(request.tunnelAddress);
    if (ip?.family !== 4 || !allowed.some((q) => containsAddress(q, ip))) {
      throw new EnrollRejection(
        "address-not-allowed",
        `tunnel address ${request.tunnelAddress} is outside the policy's prefixes`,
      );
    }
    if (isReserved(ip, [overlay, ...allowed])) {
      throw new EnrollRejection(
        "address-reserved",
        `tunnel address ${request.tunnelAddress} is a network or broadcast address`,
      );
    }
    if (held.addressHeld(p.network, ip.value, name)) {
      const others = holders(resources.values(), p.network, name);
      const holder = others.find((h) => h.address === request.tunnelAddress)!;
      throw new EnrollRejection(
        "address-in-use",
        `tunnel address ${request.tunnelAddress} is held by ${holder.name}`,
      );
    }
    return request.tunnelAddress;
  }
  // The overlay's own network and broadcast addresses are never handed out, whatever the pool.
  const overlayEnd = prefixEnd(overlay);
  const taken = (value: bigint) =>
    value === overlay.start || value === overlayEnd || held.addressHeld(p.network, value, name);
  const everyTaken = () => {
    const all = held.addressesHeld(p.network, name);
    all.add(overlay.start);
    all.add(overlayEnd);
    return all;
  };
  for (const pool of allowed) {
    try {
      return formatIp({ family: 4, value: allocateOne(pool, name, taken, everyTaken) });
    } catch (error) {
      if (!(error instanceof PoolExhaustedError)) throw error;
    }
  }
  throw new EnrollRejection(
    "pool-exhausted",
    `no free tunnel address left in policy ${policy.metadata.name}`,
  );
}

/** Probes before a pool counts as crowded and is given every taken address at once. */
const PROBES = 32;

/**
 * What `allocateAddresses(pool, [name], every taken address)` returns, without building that
 * set: the allocator is given only the taken addresses its probe met so far, and asked again while
 * its answer is taken. Each answer is the first address of the name's probe sequence outside what
 * it was given, so the first one that is free is the first free one of the sequence — the same
 * address. A crowded pool gets the whole set after PROBES tries.
 */
function allocateOne(
  pool: Prefix,
  name: string,
  taken: (value: bigint) => boolean,
  everyTaken: () => Set<bigint>,
): bigint {
  const met = new Set<bigint>();
  for (let i = 0; i < PROBES; i++) {
    const value = allocateAddresses(pool, [name], met).get(name)!;
    if (!taken(value)) return value;
    met.add(value);
  }
  return allocateAddresses(pool, [name], everyTaken()).get(name)!;
}

function isReserved(ip: IpAddress, prefixes: readonly Prefix[]): boolean {
  return prefixes.some((q) => q.length < 31 && (ip.value === q.start || ip.value === prefixEnd(q)));
}

function checkEndpoint(endpoint: string | undefined, prefixes: readonly Prefix[]): void {
  if (endpoint === undefined) return;
  const parsed = parseEndpoint(endpoint);
  const address = parsed.ok ? parsed.endpoint.address : undefined;
  if (!address || !prefixes.some((q) => containsAddress(q, address))) {
    throw new EnrollRejection(
      "endpoint-not-allowed",
      `endpoint ${endpoint} is not an address inside the policy's endpoint prefixes`,
    );
  }
}

/**
 * `others` gives, for a subnet the index says may clash, every holder to walk for the one it
 * clashes with (undefined: it clashes with nothing).
 */
function checkSubnets(
  subnets: readonly string[],
  bounds: EnrollmentPolicy["spec"]["subnetPrefixes"],
  overlay: Prefix,
  others: (subnet: Prefix) => readonly Holder[] | undefined,
): void {
  for (const text of subnets) {
    const subnet = prefixOf(text);
    if (isDefaultRoute(subnet))
      throw new EnrollRejection("default-route", "a node may not claim the default route");
    const fits = bounds.some((b) => {
      const outer = prefixOf(b.prefix);
      return containsPrefix(outer, subnet) && subnet.length >= b.minLength && subnet.length <= b.maxLength;
    });
    if (!fits || overlaps(subnet, overlay)) {
      throw new EnrollRejection(
        "subnet-not-allowed",
        `subnet ${text} is outside the policy's subnet prefixes or bounds`,
      );
    }
    for (const h of others(subnet) ?? []) {
      const clash =
        h.subnets.find((s) => overlaps(prefixOf(s), subnet)) ??
        (h.address && parseIp(h.address) && overlaps(hostPrefix(parseIp(h.address)!), subnet)
          ? h.address
          : undefined);
      if (clash) throw new EnrollRejection("subnet-in-use", `subnet ${text} overlaps ${clash} of ${h.name}`);
    }
  }
}
