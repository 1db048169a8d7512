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
import { EnrollRejection } from "./rejection.js";

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

export function enrollmentStateOf(e: Enrollment): string | undefined {
  const state = e.status?.state;
  return typeof state === "string" ? state : undefined;
}

/** The tunnel address an enrollment holds: what it asked for, else what was allocated to it. */
export function enrollmentAddress(e: Enrollment): string | undefined {
  const allocated = e.status?.tunnelAddress;
  return e.spec.tunnelAddress ?? (typeof allocated === "string" ? allocated : undefined);
}

interface Holder {
  readonly name: string;
  readonly address?: string;
  readonly subnets: readonly string[];
  readonly publicKey?: string;
}

/** Every node and live enrollment of the intent except `self` (whose own request this is). */
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
 * Checks `request` against `policy` and the intent, refusing with the first failing reason.
 * Returns the tunnel address the node gets: the requested one, or one allocated from the policy's
 * prefixes (deterministic for the name, avoiding every address held).
 */
export function checkRequest(
  request: JoinRequest,
  policy: EnrollmentPolicy,
  network: Network | undefined,
  resources: Iterable<Resource>,
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
  const others = holders(resources, p.network, name);
  const keyHolder = others.find((h) => h.publicKey === request.publicKey);
  if (keyHolder) throw new EnrollRejection("key-in-use", "the public key is already held by another node");

  const overlay = prefixOf(network.spec.cidr);
  checkEndpoint(request.endpoint, p.endpointPrefixes.map(prefixOf));
  checkSubnets(request.subnets, p.subnetPrefixes, overlay, others);

  const pools = p.tunnelAddressPrefixes.map(prefixOf).filter((q) => q.family === 4);
  const allowed = pools.length > 0 ? pools : [overlay];
  const taken = new Set<bigint>();
  for (const h of others) {
    const ip = h.address ? parseIp(h.address) : undefined;
    if (ip?.family === 4) taken.add(ip.value);
  }
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
    if (taken.has(ip.value)) {
      const holder = others.find((h) => h.address === request.tunnelAddress)!;
      throw new EnrollRejection(
        "address-in-use",
        `tunnel address ${request.tunnelAddress} is held by ${holder.name}`,
      );
    }
    return request.tunnelAddress;
  }
  // The overlay's own network and broadcast addresses are never handed out, whatever the pool.
  taken.add(overlay.start);
  taken.add(prefixEnd(overlay));
  for (const pool of allowed) {
    try {
      const value = allocateAddresses(pool, [name], taken).get(name)!;
      return formatIp({ family: 4, value });
    } catch (error) {
      if (!(error instanceof PoolExhaustedError)) throw error;
    }
  }
  throw new EnrollRejection(
    "pool-exhausted",
    `no free tunnel address left in policy ${policy.metadata.name}`,
  );
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

function checkSubnets(
  subnets: readonly string[],
  bounds: EnrollmentPolicy["spec"]["subnetPrefixes"],
  overlay: Prefix,
  others: readonly Holder[],
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
    for (const h of others) {
      const clash =
        h.subnets.find((s) => overlaps(prefixOf(s), subnet)) ??
        (h.address && parseIp(h.address) && overlaps(hostPrefix(parseIp(h.address)!), subnet)
          ? h.address
          : undefined);
      if (clash) throw new EnrollRejection("subnet-in-use", `subnet ${text} overlaps ${clash} of ${h.name}`);
    }
  }
}
