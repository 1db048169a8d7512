/**
 * Checks of enrollment policies, access policies, peer overrides and
 * enrollments: references, prefix bounds and port syntax.
 */
import type {
  AccessPolicy,
  Enrollment,
  EnrollmentPolicy,
  Issue,
  PeerOverride,
  Selector,
} from "../model/index.js";
import { matchesNamePattern } from "../model/index.js";
import { containsPrefix, familyBits, isDefaultRoute, overlaps, parsePrefix } from "../netaddr/index.js";
import { enrollmentState, issueFor } from "./intent.js";
import { at } from "./validate-network.js";
import type { NetworkFacts } from "./validate-nodes.js";

export interface NetworkView {
  readonly facts: NetworkFacts;
  readonly nodeRoles: ReadonlyMap<string, string>;
}

/**
 * The view of a resource's network, or nothing. A network that is declared
 * but failed its own checks has no view: its error is reported once, on the
 * network, and the resources in it get no network-dependent checks.
 */
function networkOf(
  r: { kind: string; metadata: { name: string } },
  network: string,
  networks: ReadonlyMap<string, NetworkView>,
  issues: Issue[],
  declared: ReadonlySet<string> | undefined,
): NetworkView | undefined {
  const net = networks.get(network);
  if (!net && !declared?.has(network)) {
    issues.push(issueFor("dangling-reference", at(r), "spec.network", `network ${network} does not exist`));
  }
  return net;
}

type Networked = { kind: string; metadata: { name: string }; spec: { network: string } };

/**
 * A check of one resource against its network's view, run only when there is a view (see
 * `networkOf`: a missing network is reported once, then nothing network-dependent is checked).
 */
function inNetwork<R extends Networked>(check: (r: R, net: NetworkView, issues: Issue[]) => void) {
  return (
    r: R,
    networks: ReadonlyMap<string, NetworkView>,
    issues: Issue[],
    declared?: ReadonlySet<string>,
  ): void => {
    const net = networkOf(r, r.spec.network, networks, issues, declared);
    if (net) check(r, net, issues);
  };
}

/** Reports `name`, named by `r` at `path`, unless it is a node of `r`'s network. */
function checkNodeExists(r: Networked, name: string, path: string, net: NetworkView, issues: Issue[]): void {
  if (!net.nodeRoles.has(name)) {
    issues.push(
      issueFor("dangling-reference", at(r), path, `node ${name} does not exist in ${r.spec.network}`),
    );
  }
}

/** Tunnel and subnet prefixes inside their bounds and clear of the overlay; hubs that are hubs. */
export const checkEnrollmentPolicy = inNetwork<EnrollmentPolicy>((p, net, issues) => {
  const report = (code: Issue["code"], path: string, message: string) =>
    issues.push(issueFor(code, at(p), path, message));
  const { cidr, cidr6 } = net.facts;
  p.spec.tunnelAddressPrefixes.forEach((text, i) => {
    const parsed = parsePrefix(text);
    if (!parsed.ok) return;
    const pool = parsed.prefix.family === 4 ? cidr : cidr6;
    if (!pool || !containsPrefix(pool, parsed.prefix)) {
      report(
        "outside-network",
        `spec.tunnelAddressPrefixes[${i}]`,
        `${text} is outside network ${p.spec.network}`,
      );
    }
  });
  p.spec.subnetPrefixes.forEach((bound, i) => {
    const path = `spec.subnetPrefixes[${i}]`;
    const parsed = parsePrefix(bound.prefix);
    if (!parsed.ok) return;
    const { length, family } = parsed.prefix;
    if (isDefaultRoute(parsed.prefix)) {
      report("default-route", `${path}.prefix`, "site subnets may not come from the default route");
    }
    if (overlaps(parsed.prefix, cidr) || (cidr6 && overlaps(parsed.prefix, cidr6))) {
      report("overlay-claimed", `${path}.prefix`, `${bound.prefix} overlaps the overlay`);
    }
    if (bound.minLength > bound.maxLength) {
      report(
        "prefix-bounds",
        `${path}.minLength`,
        `minLength ${bound.minLength} > maxLength ${bound.maxLength}`,
      );
    }
    if (bound.minLength < length) {
      report("prefix-bounds", `${path}.minLength`, `minLength ${bound.minLength} is shorter than /${length}`);
    }
    if (bound.maxLength > familyBits(family)) {
      report(
        "prefix-bounds",
        `${path}.maxLength`,
        `maxLength exceeds ${familyBits(family)} for IPv${family}`,
      );
    }
  });
  p.spec.hubs.forEach((hub, i) => {
    const role = net.nodeRoles.get(hub);
    if (role === undefined) checkNodeExists(p, hub, `spec.hubs[${i}]`, net, issues);
    else if (role !== "hub") report("wrong-role", `spec.hubs[${i}]`, `node ${hub} is a ${role}, not a hub`);
  });
  if (p.spec.role !== "hub" && p.spec.hubs.length === 0) {
    report("hub-required", "spec.hubs", `${p.spec.role} nodes joining by this policy need hubs`);
  }
});

/** Selectors that select something and name existing nodes; port ranges within 1–65535. */
export const checkAccessPolicy = inNetwork<AccessPolicy>((p, net, issues) => {
  p.spec.rules.forEach((rule, i) => {
    checkSelector(p, rule.from, `spec.rules[${i}].from`, net, issues);
    checkSelector(p, rule.to, `spec.rules[${i}].to`, net, issues);
    rule.ports?.forEach((text, j) => {
      const m = /^(tcp|udp)\/([0-9]+)(?:-([0-9]+))?$/.exec(text);
      if (!m) return; // icmp, or reported by the schema
      const lo = Number(m[2]);
      const hi = m[3] === undefined ? lo : Number(m[3]);
      if (lo < 1 || hi > 65535 || lo > hi) {
        issues.push(
          issueFor(
            "invalid-field",
            at(p),
            `spec.rules[${i}].ports[${j}]`,
            `${text}: ports must be 1–65535, low ≤ high`,
          ),
        );
      }
    });
  });
});

function checkSelector(p: AccessPolicy, s: Selector, path: string, net: NetworkView, issues: Issue[]): void {
  if (!s.labels && !s.nodes && !s.cidrs) {
    issues.push(issueFor("missing-field", at(p), path, "a selector needs labels, nodes or cidrs"));
  }
  s.nodes?.forEach((name, i) => {
    checkNodeExists(p, name, `${path}.nodes[${i}]`, net, issues);
  });
}

/** The peer and nodes it names exist; it claims no default route. */
export const checkPeerOverride = inNetwork<PeerOverride>((o, net, issues) => {
  checkNodeExists(o, o.spec.peer, "spec.peer", net, issues);
  o.spec.nodes?.forEach((name, i) => {
    checkNodeExists(o, name, `spec.nodes[${i}]`, net, issues);
  });
  o.spec.allowedIPs?.forEach((text, i) => {
    const parsed = parsePrefix(text);
    if (parsed.ok && isDefaultRoute(parsed.prefix)) {
      issues.push(
        issueFor(
          "default-route",
          at(o),
          `spec.allowedIPs[${i}]`,
          "an override may not claim the default route",
        ),
      );
    }
  });
});

export function checkEnrollment(
  e: Enrollment,
  policies: ReadonlyMap<string, EnrollmentPolicy>,
  networks: ReadonlyMap<string, NetworkView>,
  issues: Issue[],
  declared?: ReadonlySet<string>,
): void {
  const policy = policies.get(e.spec.policy);
  if (!policy) {
    issues.push(
      issueFor(
        "dangling-reference",
        at(e),
        "spec.policy",
        `enrollment policy ${e.spec.policy} does not exist`,
      ),
    );
    return;
  }
  if (!networks.has(e.spec.network) && !declared?.has(e.spec.network)) {
    issues.push(
      issueFor("dangling-reference", at(e), "spec.network", `network ${e.spec.network} does not exist`),
    );
  } else if (policy.spec.network !== e.spec.network) {
    issues.push(
      issueFor(
        "invalid-field",
        at(e),
        "spec.network",
        `policy ${policy.metadata.name} is for network ${policy.spec.network}`,
      ),
    );
  }
  if (e.spec.nodeName !== e.metadata.name) {
    issues.push(
      issueFor("invalid-field", at(e), "spec.nodeName", `must equal metadata.name (${e.metadata.name})`),
    );
  }
  if (!policy.spec.nodeNames.some((pattern) => matchesNamePattern(pattern, e.spec.nodeName))) {
    issues.push(
      issueFor("invalid-field", at(e), "spec.nodeName", `not allowed by policy ${policy.metadata.name}`),
    );
  }
  const state = enrollmentState(e);
  if (state !== undefined && !["Pending", "Approved", "Rejected", "Revoked", "Expired"].includes(state)) {
    issues.push(issueFor("invalid-field", at(e), "status.state", `unknown state ${JSON.stringify(state)}`));
  }
}
