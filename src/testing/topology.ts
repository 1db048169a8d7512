/**
 * Synthetic intents for benchmarks: one network, H hubs, N spokes each with a
 * /24 site, branch→dc access policy. Deterministic for a given size.
 */
import { groupResources, type Intent } from "../compile/index.js";
import type { Node, Resource, WgPublicKey } from "../model/index.js";

export interface TopologySize {
  readonly spokes: number;
  readonly hubs: number;
  /** Default: deny with label policies (the realistic case); "allow" makes every spoke route everything. */
  readonly defaultAction?: "allow" | "deny";
}

/** A valid WireGuard public-key text derived from a number (the compiler only checks the format). */
export function fakeKey(n: number): WgPublicKey {
  const bytes = Buffer.alloc(32);
  bytes.writeUInt32BE(n + 1, 0);
  bytes.writeUInt32BE(0x9e3779b9, 28);
  return bytes.toString("base64") as WgPublicKey;
}

export function spokeNode(i: number, hubs: number, subnetThird = 0): Node {
  const hubNames = Array.from({ length: hubs }, (_, h) => `hub-${(h + i) % hubs}`);
  return {
    apiVersion: "hubwire/v1",
    kind: "Node",
    metadata: { name: `spoke-${i}`, labels: { tier: "branch" } },
    spec: {
      network: "wan",
      role: "spoke",
      tunnelAddress: `10.0.${64 + (i >> 8)}.${i & 255}`,
      subnets: [siteSubnet(i, subnetThird)],
      hubs: hubNames,
      publicKey: fakeKey(1000 + i),
    },
  };
}

function siteSubnet(i: number, variant: number): string {
  // 10.64.0.0/10 holds 16,384 /24s; a variant moves the site to a spare range.
  const n = i + variant * 20_000;
  return `${10 + (n >> 14)}.${64 + ((n >> 8) & 63)}.${n & 255}.0/24`;
}

export function buildIntent(size: TopologySize): { intent: Intent; resources: Resource[] } {
  const resources: Resource[] = [
    {
      apiVersion: "hubwire/v1",
      kind: "Network",
      metadata: { name: "wan" },
      spec: {
        cidr: "10.0.0.0/16",
        listenPortRange: { from: 51820, to: 52820 },
        mtu: 1420,
        persistentKeepalive: 25,
        presharedKeys: false,
        topology: "hub-and-spoke",
        defaultAction: size.defaultAction ?? "deny",
      },
    },
    {
      apiVersion: "hubwire/v1",
      kind: "AccessPolicy",
      metadata: { name: "branches-to-dc" },
      spec: {
        network: "wan",
        priority: 100,
        rules: [
          { from: { labels: { tier: "branch" } }, to: { labels: { tier: "dc" } }, action: "allow" },
          {
            from: { labels: { tier: "dc" } },
            to: { labels: { tier: "branch" } },
            ports: ["tcp/22", "tcp/443"],
            action: "allow",
          },
        ],
      },
    },
  ];
  for (let h = 0; h < size.hubs; h++) {
    resources.push({
      apiVersion: "hubwire/v1",
      kind: "Node",
      metadata: { name: `hub-${h}`, labels: { tier: "dc" } },
      spec: {
        network: "wan",
        role: "hub",
        endpoint: `203.0.113.${h + 1}:51820`,
        tunnelAddress: `10.0.0.${h + 1}`,
        subnets: [`172.${16 + h}.0.0/16`],
        hubs: [],
        publicKey: fakeKey(h),
      },
    });
  }
  for (let i = 0; i < size.spokes; i++) resources.push(spokeNode(i, size.hubs));
  return { intent: groupResources(resources), resources };
}
