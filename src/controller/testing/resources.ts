/**
 * One more resource of every kind that fits next to examples/corp, with a replacement and a
 * JSON merge patch for each: what the API tests create, replace, patch and delete.
 */
import type { ResourceKind } from "../../model/index.js";

export interface KindCase {
  readonly kind: ResourceKind;
  /** URL plural, `/api/v1/<plural>`. */
  readonly plural: string;
  readonly name: string;
  /** A new resource (JSON body). */
  readonly create: Record<string, unknown>;
  /** The same resource with another spec (PUT body). */
  readonly replace: Record<string, unknown>;
  /** A merge patch for the replaced resource. */
  readonly patch: Record<string, unknown>;
  /** After the patch: fields the spec holds, fields it no longer has, and the labels exactly. */
  readonly patched: {
    readonly spec: Record<string, unknown>;
    readonly absent?: readonly string[];
    readonly labels?: Record<string, string>;
  };
}

const doc = (kind: ResourceKind, name: string, spec: object, labels?: Record<string, string>) => ({
  apiVersion: "hubwire/v1",
  kind,
  metadata: labels ? { name, labels } : { name },
  spec,
});

/** Node names of examples/corp and examples/mesh, in name order. */
export const CORP_NODES = [
  "branch-ber",
  "branch-nyc",
  "branch-sha",
  "edge-rig",
  "hub-fra",
  "hub-sgp",
  "laptop-alice",
];
export const MESH_NODES = ["hub-1", "site-a", "site-b", "site-c", "site-d"];

export const KEY_MUC = "ZEu5DZwuBKj364Nnju3DVQFioQ7R22S1GQyOQO3E9Nw=";
export const KEY_LIS = "XoC2xp/hlYFBfsfKUXAoBiZxO5niH565LCrWAOvtxzw=";
export const KEY_SPARE = "4oF875XYod5rpS0GwOvQjbkcTjg+2FZgWGo02V8kn0w=";

const nodeSpec = {
  network: "corp",
  role: "spoke",
  tunnelAddress: "10.100.1.9",
  subnets: ["10.64.10.0/24"],
  hubs: ["hub-fra", "hub-sgp"],
  publicKey: KEY_MUC,
};

const enrollmentSpec = {
  policy: "branches",
  network: "corp",
  nodeName: "branch-lis",
  audience: "controller-test",
  nonce: "9f1c2e4d5a6b7c8d9e0f1a2b3c4d5e6f",
  timestamp: "2026-03-01T12:00:00Z",
  role: "spoke",
  subnets: ["10.64.12.0/24"],
  publicKey: KEY_LIS,
  hmac: "a".repeat(64),
};

const accessSpec = {
  network: "corp",
  priority: 50,
  rules: [
    { from: { nodes: ["laptop-alice"] }, to: { labels: { tier: "dc" } }, ports: ["tcp/22"], action: "allow" },
  ],
};

export const KIND_CASES: readonly KindCase[] = [
  {
    kind: "Network",
    plural: "networks",
    name: "lab2",
    create: doc("Network", "lab2", { cidr: "10.210.0.0/24" }),
    replace: doc("Network", "lab2", { cidr: "10.210.0.0/24", mtu: 1380 }),
    patch: { metadata: { labels: { env: "lab" } }, spec: { topology: "mesh" } },
    patched: { spec: { topology: "mesh", mtu: 1380, cidr: "10.210.0.0/24" }, labels: { env: "lab" } },
  },
  {
    kind: "Node",
    plural: "nodes",
    name: "branch-muc",
    create: doc("Node", "branch-muc", nodeSpec, { tier: "branch", city: "munich" }),
    replace: doc(
      "Node",
      "branch-muc",
      { ...nodeSpec, subnets: ["10.64.10.0/24", "10.64.11.0/24"] },
      {
        tier: "branch",
        city: "munich",
      },
    ),
    patch: { metadata: { labels: { city: null, floor: "3" } }, spec: { hubs: ["hub-fra"] } },
    patched: {
      spec: { hubs: ["hub-fra"], subnets: ["10.64.10.0/24", "10.64.11.0/24"], publicKey: KEY_MUC },
      labels: { tier: "branch", floor: "3" },
    },
  },
  {
    kind: "EnrollmentPolicy",
    plural: "enrollment-policies",
    name: "cloud",
    create: doc("EnrollmentPolicy", "cloud", {
      network: "corp",
      nodeNames: ["vpc-*"],
      tunnelAddressPrefixes: ["10.100.4.0/24"],
      hubs: ["hub-fra"],
      approval: "manual",
    }),
    replace: doc("EnrollmentPolicy", "cloud", {
      network: "corp",
      nodeNames: ["vpc-*"],
      tunnelAddressPrefixes: ["10.100.4.0/24"],
      hubs: ["hub-fra"],
      approval: "auto",
    }),
    patch: { spec: { maxUses: 5 } },
    patched: { spec: { maxUses: 5, approval: "auto", nodeNames: ["vpc-*"] } },
  },
  {
    kind: "Enrollment",
    plural: "enrollments",
    name: "branch-lis",
    create: doc("Enrollment", "branch-lis", enrollmentSpec),
    replace: doc("Enrollment", "branch-lis", { ...enrollmentSpec, endpoint: "198.51.100.9:51820" }),
    patch: { spec: { endpoint: null, subnets: ["10.64.13.0/24"] } },
    patched: { spec: { subnets: ["10.64.13.0/24"], publicKey: KEY_LIS }, absent: ["endpoint"] },
  },
  {
    kind: "AccessPolicy",
    plural: "access-policies",
    name: "ops-ssh",
    create: doc("AccessPolicy", "ops-ssh", accessSpec),
    replace: doc("AccessPolicy", "ops-ssh", {
      ...accessSpec,
      rules: [{ ...accessSpec.rules[0], ports: ["tcp/22", "tcp/2222"] }],
    }),
    patch: { spec: { priority: 60 } },
    patched: { spec: { priority: 60, rules: [{ ports: ["tcp/22", "tcp/2222"] }] } },
  },
  {
    kind: "PeerOverride",
    plural: "peer-overrides",
    name: "sha-via-backup",
    create: doc("PeerOverride", "sha-via-backup", {
      network: "corp",
      peer: "branch-sha",
      nodes: ["hub-fra"],
      endpoint: "198.51.100.77:51820",
      reason: "ISP failover",
    }),
    replace: doc("PeerOverride", "sha-via-backup", {
      network: "corp",
      peer: "branch-sha",
      nodes: ["hub-fra"],
      endpoint: "198.51.100.78:51820",
      reason: "ISP failover",
    }),
    patch: { spec: { reason: null } },
    patched: { spec: { endpoint: "198.51.100.78:51820" }, absent: ["reason"] },
  },
];
