/**
 * The resource kinds of SPEC §3.1, strict: an unknown field or kind is an
 * error, never silently ignored. Defaults are applied here, so every consumer
 * sees the same filled-in values.
 */
import { z } from "zod";
import { cidr, duration, endpoint, ipAddress, keepalive, port } from "./fields.js";
import { MAX_LABELS } from "./limits.js";
import { dnsLabel, labels, namePattern, safeText } from "./names.js";
import { wgPublicKey } from "./wgkey.js";

export const API_VERSION = "hubwire/v1";

const metadata = z.strictObject({
  name: dnsLabel,
  labels: labels.optional(),
  annotations: z
    .record(z.string().max(317), safeText)
    .refine((a) => Object.keys(a).length <= MAX_LABELS, {
      error: `at most ${MAX_LABELS} annotations are allowed`,
    })
    .optional(),
});

/** `status` is controller-owned: accepted (so an export re-applies) but never read as intent. */
const status = z.record(z.string(), z.unknown()).optional();

function resource<K extends string, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be ${API_VERSION}` }),
    kind: z.literal(kind),
    metadata,
    spec,
    status,
  });
}

export const networkSpec = z.strictObject({
  cidr: cidr(4),
  cidr6: cidr(6).optional(),
  listenPortRange: z.strictObject({ from: port, to: port }).default({ from: 51820, to: 52820 }),
  mtu: z.number().int().min(1280).max(9000).default(1420),
  persistentKeepalive: keepalive.default(25),
  presharedKeys: z.boolean().default(false),
  topology: z.enum(["hub-and-spoke", "mesh"]).default("hub-and-spoke"),
  defaultAction: z.enum(["deny", "allow"]).default("deny"),
  description: safeText.optional(),
});

export const nodeRole = z.enum(["hub", "spoke", "external"]);
export type NodeRole = z.infer<typeof nodeRole>;

/** A port the hub's input policy lets in: `tcp/22`, `udp/500`, `tcp/8000-8099`. */
const inputPort = z.string().regex(/^(tcp|udp)\/[0-9]{1,5}(-[0-9]{1,5})?$/, {
  error: "must be tcp/PORT, udp/PORT, tcp/FROM-TO or udp/FROM-TO",
});

/** What a hub lets in when nothing is given: SSH, so hardening an existing hub cannot lock its operator out. */
export const DEFAULT_INPUT_ALLOW: readonly string[] = ["tcp/22"];

/**
 * Hub hardening: the input filter of the hub's host, in hubwire's nftables table. Let in are the
 * WireGuard ports of the hub's interfaces, established and related traffic, loopback, ICMP echo
 * (the failover probes) and ICMPv6 echo and neighbour discovery, and `allow`; the rest is dropped.
 * Absent: enforced, with {@link DEFAULT_INPUT_ALLOW}. Hubs only.
 */
export const inputPolicySpec = z.strictObject({
  /** false: no input filter at all (the host's own firewall decides). */
  enforce: z.boolean().default(true),
  /** Ports let in on every interface besides the above; replaces the default (`[]`: none, not even SSH). */
  allow: z
    .array(inputPort)
    .max(256)
    .default([...DEFAULT_INPUT_ALLOW]),
});
export type InputPolicy = z.infer<typeof inputPolicySpec>;

export const nodeSpec = z.strictObject({
  network: dnsLabel,
  role: nodeRole,
  /** Public `host:port` others connect to; absent for nodes behind NAT. */
  endpoint: endpoint.optional(),
  /** First local UDP port; defaults to the endpoint's port, else the network's range start. */
  listenPort: port.optional(),
  /** Absent: allocated by IPAM. */
  tunnelAddress: ipAddress(4).optional(),
  tunnelAddress6: ipAddress(6).optional(),
  subnets: z.array(cidr()).default([]),
  /** Spokes and external nodes: hubs in priority order. */
  hubs: z.array(dnsLabel).default([]),
  /** Reported by the agent, or given for an external node. Absent: the node is not yet a peer anywhere. */
  publicKey: wgPublicKey.optional(),
  persistentKeepalive: keepalive.optional(),
  /** Hubs: the host's input filter (hub hardening); see {@link inputPolicySpec}. */
  inputPolicy: inputPolicySpec.optional(),
  description: safeText.optional(),
});

export const enrollmentPolicySpec = z.strictObject({
  network: dnsLabel,
  role: nodeRole.default("spoke"),
  nodeNames: z.array(namePattern).min(1),
  tunnelAddressPrefixes: z.array(cidr()).default([]),
  subnetPrefixes: z
    .array(
      z.strictObject({
        prefix: cidr(),
        minLength: z.number().int().min(0).max(128),
        maxLength: z.number().int().min(0).max(128),
      }),
    )
    .default([]),
  endpointPrefixes: z.array(cidr()).default([]),
  hubs: z.array(dnsLabel).default([]),
  labels: labels.default({}),
  approval: z.enum(["auto", "manual"]).default("manual"),
  ttl: duration.optional(),
  maxUses: z.number().int().min(1).optional(),
  joinTokenRef: dnsLabel.optional(),
});

export const enrollmentSpec = z.strictObject({
  policy: dnsLabel,
  network: dnsLabel,
  nodeName: dnsLabel,
  audience: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._:-]+$/, { error: "invalid audience" }),
  nonce: z.string().regex(/^[0-9a-f]{32,128}$/, { error: "must be ≥ 128 bits of lowercase hex" }),
  timestamp: z.iso.datetime({ offset: false, error: "must be RFC 3339 UTC, e.g. 2026-11-22T08:00:00Z" }),
  role: nodeRole,
  tunnelAddress: ipAddress().optional(),
  endpoint: endpoint.optional(),
  subnets: z.array(cidr()).default([]),
  publicKey: wgPublicKey,
  listenPort: port.optional(),
  persistentKeepalive: keepalive.optional(),
  hmac: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex characters" }),
});

export const enrollmentState = z.enum(["Pending", "Approved", "Rejected", "Revoked", "Expired"]);

const portSpec = z.string().regex(/^((tcp|udp)\/[0-9]{1,5}(-[0-9]{1,5})?|icmp|icmpv6)$/, {
  error: "must be tcp/PORT, udp/PORT, tcp/FROM-TO, udp/FROM-TO, icmp or icmpv6",
});

export const selector = z.strictObject({
  labels: labels.optional(),
  nodes: z.array(dnsLabel).optional(),
  cidrs: z.array(cidr()).optional(),
});
export type Selector = z.infer<typeof selector>;

export const accessRule = z.strictObject({
  from: selector,
  to: selector,
  ports: z.array(portSpec).optional(),
  action: z.enum(["allow", "deny"]),
  description: safeText.optional(),
});
export type AccessRule = z.infer<typeof accessRule>;

export const accessPolicySpec = z.strictObject({
  network: dnsLabel,
  /** Policies apply in ascending priority, then by name; rules in order; first match wins. */
  priority: z.number().int().min(0).max(1_000_000).default(1000),
  rules: z.array(accessRule).min(1),
});

/** Emergency override: replaces the generated peer `peer` on the named nodes (all where it appears, if none). */
export const peerOverrideSpec = z.strictObject({
  network: dnsLabel,
  peer: dnsLabel,
  nodes: z.array(dnsLabel).optional(),
  publicKey: wgPublicKey.optional(),
  endpoint: endpoint.optional(),
  allowedIPs: z.array(cidr()).optional(),
  persistentKeepalive: keepalive.optional(),
  reason: safeText.optional(),
});

export const Network = resource("Network", networkSpec);
export const Node = resource("Node", nodeSpec);
export const EnrollmentPolicy = resource("EnrollmentPolicy", enrollmentPolicySpec);
export const Enrollment = resource("Enrollment", enrollmentSpec);
export const AccessPolicy = resource("AccessPolicy", accessPolicySpec);
export const PeerOverride = resource("PeerOverride", peerOverrideSpec);

export type Network = z.infer<typeof Network>;
export type Node = z.infer<typeof Node>;
export type EnrollmentPolicy = z.infer<typeof EnrollmentPolicy>;
export type Enrollment = z.infer<typeof Enrollment>;
export type AccessPolicy = z.infer<typeof AccessPolicy>;
export type PeerOverride = z.infer<typeof PeerOverride>;

export const RESOURCE_SCHEMAS = {
  Network,
  Node,
  EnrollmentPolicy,
  Enrollment,
  AccessPolicy,
  PeerOverride,
} as const;
export type ResourceKind = keyof typeof RESOURCE_SCHEMAS;
export const RESOURCE_KINDS = Object.keys(RESOURCE_SCHEMAS) as ResourceKind[];
export type Resource = Network | Node | EnrollmentPolicy | Enrollment | AccessPolicy | PeerOverride;
