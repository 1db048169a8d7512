/**
 * Access policy → one nftables table per hub, owned by hubwire and replaced
 * atomically (`nft -f` runs the whole script as one transaction). Only packets
 * entering or leaving this network's interfaces are judged; everything else on
 * the host passes through untouched.
 */
import type { FirewallConfig } from "../model/index.js";
import { formatPrefix, type Prefix, summarize } from "../netaddr/index.js";
import type { ResolvedNetwork } from "./resolved.js";
import type { ResolvedRule } from "./selectors.js";

export const FIREWALL_TABLE = "hubwire";

function elements(prefixes: readonly Prefix[], family: 4 | 6): string[] {
  return summarize(prefixes.filter((p) => p.family === family)).map(formatPrefix);
}

function l4Matches(ports: readonly string[] | undefined, family: 4 | 6): string[] {
  if (!ports || ports.length === 0) return [""];
  const tcp: string[] = [];
  const udp: string[] = [];
  const out: string[] = [];
  for (const p of ports) {
    if (p === "icmp") {
      if (family === 4) out.push("meta l4proto icmp ");
    } else if (p === "icmpv6") {
      if (family === 6) out.push("meta l4proto ipv6-icmp ");
    } else {
      const [proto, range] = p.split("/") as [string, string];
      (proto === "tcp" ? tcp : udp).push(range);
    }
  }
  if (tcp.length) out.unshift(`meta l4proto tcp th dport { ${tcp.join(", ")} } `);
  if (udp.length) out.splice(tcp.length ? 1 : 0, 0, `meta l4proto udp th dport { ${udp.join(", ")} } `);
  return out;
}

/** Builds the hub's table for its network; `interfaces` are the hub's hubwire interface names. */
export function compileFirewall(
  net: ResolvedNetwork,
  rules: readonly ResolvedRule[],
  interfaces: readonly string[],
): FirewallConfig {
  const sets: string[] = [];
  const lines: string[] = [];
  rules.forEach((r, i) => {
    const verdict = r.rule.action === "allow" ? "accept" : "drop";
    const comment = `comment "${r.policy} rule ${r.index}"`;
    for (const family of [4, 6] as const) {
      const from = elements(r.from.prefixes, family);
      const to = elements(r.to.prefixes, family);
      if (from.length === 0 || to.length === 0) continue;
      const type = family === 4 ? "ipv4_addr" : "ipv6_addr";
      const ip = family === 4 ? "ip" : "ip6";
      const setName = (side: string) => `r${i}_${side}${family}`;
      sets.push(
        `  set ${setName("from")} { type ${type}; flags interval; elements = { ${from.join(", ")} } }`,
      );
      sets.push(`  set ${setName("to")} { type ${type}; flags interval; elements = { ${to.join(", ")} } }`);
      for (const l4 of l4Matches(r.rule.ports, family)) {
        lines.push(
          `    ${ip} saddr @${setName("from")} ${ip} daddr @${setName("to")} ${l4}${verdict} ${comment}`,
        );
      }
    }
  });
  const names = [...interfaces]
    .sort()
    .map((n) => `"${n}"`)
    .join(", ");
  const script = [
    `table inet ${FIREWALL_TABLE}`,
    `delete table inet ${FIREWALL_TABLE}`,
    `table inet ${FIREWALL_TABLE} {`,
    ...sets,
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    `    iifname { ${names} } jump net`,
    `    oifname { ${names} } jump net`,
    "  }",
    "  chain net {",
    "    ct state established,related accept",
    "    ct state invalid drop",
    ...lines,
    `    ${net.spec.defaultAction === "allow" ? "accept" : "drop"} comment "network ${net.name} default"`,
    "  }",
    "}",
    "",
  ].join("\n");
  return { table: FIREWALL_TABLE, script };
}
