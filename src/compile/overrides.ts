/**
 * Static peer overrides (emergency): a declared peer replaces the generated
 * peer of the same name on the chosen nodes. Fields the override leaves out
 * keep their generated values. New AllowedIPs take the place of the old ones
 * in the interface's routes too (configs use explicit routes, so prefixes the
 * peer accepts but nothing routes to it would be one-way). Replacing can create
 * overlapping AllowedIPs, so each touched interface is checked again.
 */
import type { InterfaceConfig, Issue, PeerConfig, PeerOverride } from "../model/index.js";
import { comparePrefixes, findOverlaps, formatPrefix, type Prefix, parsePrefix } from "../netaddr/index.js";
import { issueFor } from "./intent.js";
import { METRIC } from "./peers.js";

/** An override's prefixes in the order generated peers carry theirs: by address, then length. */
function inPrefixOrder(texts: readonly string[]): string[] {
  const parsed = texts.map((text) => ({ text, parse: parsePrefix(text) }));
  // A prefix that does not parse fails validation, which reports it; its list just keeps text order.
  if (parsed.some((x) => !x.parse.ok)) return [...texts].sort();
  return parsed
    .sort((a, b) =>
      comparePrefixes((a.parse as { prefix: Prefix }).prefix, (b.parse as { prefix: Prefix }).prefix),
    )
    .map((x) => x.text);
}

export function applyOverrides(
  node: string,
  interfaces: readonly InterfaceConfig[],
  overrides: readonly PeerOverride[],
  issues: Issue[],
): readonly InterfaceConfig[] {
  const mine = overrides.filter((o) => !o.spec.nodes || o.spec.nodes.includes(node));
  if (mine.length === 0) return interfaces;
  return interfaces.map((iface) => {
    const touched = new Map<string, PeerOverride>();
    const peers = iface.peers.map((p): PeerConfig => {
      const o = mine.find((x) => x.spec.peer === p.name);
      if (!o) return p;
      touched.set(p.name, o);
      const s = o.spec;
      return {
        ...p,
        publicKey: s.publicKey ?? p.publicKey,
        endpoint: s.endpoint ?? p.endpoint,
        allowedIPs: s.allowedIPs ? inPrefixOrder(s.allowedIPs) : p.allowedIPs,
        persistentKeepalive: s.persistentKeepalive ?? p.persistentKeepalive,
        override: o.metadata.name,
      };
    });
    if (touched.size === 0) return iface;
    let routes = iface.routes;
    iface.peers.forEach((old, i) => {
      const next = peers[i]!;
      if (next.allowedIPs === old.allowedIPs) return;
      const gone = new Set(old.allowedIPs);
      const metric = routes.find((r) => gone.has(r.prefix))?.metric ?? METRIC.active;
      routes = [
        ...routes.filter((r) => !gone.has(r.prefix)),
        ...next.allowedIPs.map((prefix) => ({ prefix, metric })),
      ];
    });
    const tagged: { prefix: Prefix; tag: { peer: string; text: string } }[] = [];
    for (const p of peers) {
      for (const text of p.allowedIPs) {
        const parsed = parsePrefix(text);
        if (parsed.ok) tagged.push({ prefix: parsed.prefix, tag: { peer: p.name, text } });
      }
    }
    for (const [a, b] of findOverlaps(tagged)) {
      if (a.tag.peer === b.tag.peer) continue;
      // Blame the override that set the prefix, at its index in the override (peers carry them sorted).
      const blamed = [b, a].find((x) => touched.get(x.tag.peer)?.spec.allowedIPs?.includes(x.tag.text));
      const o = blamed ? touched.get(blamed.tag.peer)! : touched.values().next().value!;
      const index = blamed ? o.spec.allowedIPs!.indexOf(blamed.tag.text) : -1;
      issues.push(
        issueFor(
          "overlap",
          { kind: "PeerOverride", name: o.metadata.name },
          index >= 0 ? `spec.allowedIPs[${index}]` : "spec.allowedIPs",
          `on node ${node} interface ${iface.name}, ${formatPrefix(b.prefix)} of peer ${b.tag.peer} overlaps ` +
            `${formatPrefix(a.prefix)} of peer ${a.tag.peer}`,
        ),
      );
    }
    return { ...iface, peers, routes };
  });
}
