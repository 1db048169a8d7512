/** Checks of networks: overlay prefixes, listen-port range, overlaps between networks. */
import type { Issue, Network } from "../model/index.js";
import { formatPrefix, isDefaultRoute, overlaps, parsePrefix } from "../netaddr/index.js";
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

/** Networks whose overlays overlap would make one host's routes ambiguous. */
export function checkNetworkOverlaps(facts: readonly NetworkFacts[], issues: Issue[]): void {
  for (let i = 0; i < facts.length; i++) {
    for (let j = i + 1; j < facts.length; j++) {
      const a = facts[i]!;
      const b = facts[j]!;
      if (overlaps(a.cidr, b.cidr)) {
        issues.push(
          issueFor(
            "overlap",
            at(b.resource),
            "spec.cidr",
            `overlaps network ${a.resource.metadata.name} (${formatPrefix(a.cidr)})`,
          ),
        );
      }
      if (a.cidr6 && b.cidr6 && overlaps(a.cidr6, b.cidr6)) {
        issues.push(
          issueFor("overlap", at(b.resource), "spec.cidr6", `overlaps network ${a.resource.metadata.name}`),
        );
      }
    }
  }
}
