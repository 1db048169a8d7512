/**
 * Static peer overrides (emergency): a declared peer replaces the generated
 * peer of the same name on the chosen nodes. Fields the override leaves out
 * keep their generated values. Replacing can create overlapping AllowedIPs, so
 * each touched interface is checked again.
 */
import type { InterfaceConfig, Issue, PeerConfig, PeerOverride } from "../model/index.js";
import { findOverlaps, formatPrefix, type Prefix, parsePrefix } from "../netaddr/index.js";
import { issueFor } from "./intent.js";

export function applyOverrides(
  node: string,
  interfaces: readonly InterfaceConfig[],
  overrides: readonly PeerOverride[],
  issues: Issue[],
): readonly InterfaceConfig[] {
  const mine = overrides.filter((o) => !o.spec.nodes || o.spec.nodes.includes(node));
  if (mine.length === 0) return interfaces;
  return interfaces.map((iface) => {
    let touched: PeerOverride | undefined;
    const peers = iface.peers.map((p): PeerConfig => {
      const o = mine.find((x) => x.spec.peer === p.name);
      if (!o) return p;
      touched = o;
      const s = o.spec;
      return {
        ...p,
        publicKey: s.publicKey ?? p.publicKey,
        endpoint: s.endpoint ?? p.endpoint,
        allowedIPs: s.allowedIPs ? [...s.allowedIPs].sort() : p.allowedIPs,
        persistentKeepalive: s.persistentKeepalive ?? p.persistentKeepalive,
        override: o.metadata.name,
      };
    });
    if (!touched) return iface;
    const tagged: { prefix: Prefix; tag: string }[] = [];
    for (const p of peers) {
      for (const text of p.allowedIPs) {
        const parsed = parsePrefix(text);
        if (parsed.ok) tagged.push({ prefix: parsed.prefix, tag: p.name });
      }
    }
    for (const [a, b] of findOverlaps(tagged)) {
      if (a.tag === b.tag) continue;
      issues.push(
        issueFor(
          "overlap",
          { kind: "PeerOverride", name: touched.metadata.name },
          "spec.allowedIPs",
          `on node ${node} interface ${iface.name}, ${formatPrefix(b.prefix)} of peer ${b.tag} overlaps ` +
            `${formatPrefix(a.prefix)} of peer ${a.tag}`,
        ),
      );
    }
    return { ...iface, peers };
  });
}
