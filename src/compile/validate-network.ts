/** Checks of networks: overlay prefixes, listen-port range, overlaps between networks. */
import type { Issue, Network } from "../model/index.js";
import { findOverlaps, formatPrefix, isDefaultRoute, parsePrefix } from "../netaddr/index.js";
import { issueFor } from "./intent.js";
import type { NetworkFacts } from "./validate-nodes.js";

/** A resource as issues name it. */
export const at = (r: { kind: string; metadata: { name: string } }) => ({
  kind: r.kind,
  name: r.metadata.name,
});

export function checkNetwork(net: Network, issues: Issue[]): NetworkFacts | undefined {
  const before = issues.length;
  const { cidr, cidr6, listenPortRange } = net.spec;
  const v4 = parsePrefix(cidr);
  const v6 = cidr6 === undefined ? undefined : parsePrefix(cidr6);
  if (v4.ok && v4.prefix.length > 30) {
    issues.push(issueFor("invalid-field", at(net), "spec.cidr", `${cidr} is too small: use /30 or shorter`));
  }
  if (v6?.ok && v6.prefix.length > 126) {
    issues.push(
      issueFor("invalid-field", at(net), "spec.cidr6", `${cidr6} is too small: use /126 or shorter`),
    );
  }
  if (v4.ok && isDefaultRoute(v4.prefix)) {
    issues.push(issueFor("default-route", at(net), "spec.cidr", "the overlay cannot be the default route"));
  }
  if (v6?.ok && isDefaultRoute(v6.prefix)) {
    issues.push(issueFor("default-route", at(net), "spec.cidr6", "the overlay cannot be the default route"));
  }
  if (listenPortRange.from > listenPortRange.to) {
    issues.push(
      issueFor(
        "port-range",
        at(net),
        "spec.listenPortRange",
        `from ${listenPortRange.from} is greater than to ${listenPortRange.to}`,
      ),
    );
  }
  if (issues.length > before || !v4.ok || (v6 && !v6.ok)) return undefined;
  return { resource: net, cidr: v4.prefix, cidr6: v6?.ok ? v6.prefix : undefined };
}

/**
 * Networks whose overlays overlap would make one host's routes ambiguous. A
 * sweep over the sorted prefixes (O(n log n)): each overlap is reported on the
 * network listed later, naming the earlier one.
 */
export function checkNetworkOverlaps(facts: readonly NetworkFacts[], issues: Issue[]): void {
  const report = (family: "cidr" | "cidr6") => {
    const tagged = facts.flatMap((f, index) => {
      const prefix = family === "cidr" ? f.cidr : f.cidr6;
      return prefix ? [{ prefix, tag: index }] : [];
    });
    const pairs = findOverlaps(tagged).map(([x, y]) =>
      x.tag < y.tag ? { earlier: x.tag, later: y.tag } : { earlier: y.tag, later: x.tag },
    );
    pairs.sort((p, q) => p.later - q.later || p.earlier - q.earlier);
    for (const { earlier, later } of pairs) {
      const a = facts[earlier]!;
      const b = facts[later]!;
      const message =
        family === "cidr"
          ? `overlaps network ${a.resource.metadata.name} (${formatPrefix(a.cidr)})`
          : `overlaps network ${a.resource.metadata.name}`;
      issues.push(issueFor("overlap", at(b.resource), `spec.${family}`, message));
    }
  };
  report("cidr");
  report("cidr6");
}
