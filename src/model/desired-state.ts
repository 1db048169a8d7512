/**
 * A node's desired state: what the compiler produces and the agent applies.
 * This is the agent wire protocol (version history below); JSON form is the
 * object as-is, with arrays sorted so that equal states serialise identically.
 * `desiredStateSchema` is its one definition on the wire: the config route documents its
 * answer with it, and the agent parses every state it receives or reads back from disk with it.
 *
 * Protocol versions:
 * - 1 (hubwire 0.1): first version. Later additions are optional fields that older agents
 *   ignore: `InterfaceConfig.probe` (failover probes, hubwire 0.2), `presharedKeyGeneration`
 *   (hubwire 0.2). A state with another `protocol` is refused by the agent, not guessed at.
 *   A `NodeConfigPatch` answer (desired-state-patch.ts, hubwire 0.3) is sent only to an agent that
 *   asks for one (`patch=1`), so older agents still get whole states.
 */
import { z } from "zod";
import { dnsLabel } from "./names.js";
import { type NodeRole, nodeRole } from "./resources.js";
import { isWgKey } from "./wgkey.js";

export const DESIRED_STATE_VERSION = 1 as const;

/** What an interface is for; the agent's failover treats uplinks and links as alternative paths. */
export type InterfacePurpose = "hub-spokes" | "hub-link" | "uplink" | "mesh";

export interface RouteConfig {
  /** Canonical prefix. */
  readonly prefix: string;
  /** Lower wins; alternative paths to one prefix differ only in metric. */
  readonly metric: number;
}

export interface PeerConfig {
  /** Name of the node this peer is (or of the override that replaced it). */
  readonly name: string;
  readonly publicKey: string;
  /** Absent: the peer has no fixed address and must connect first. */
  readonly endpoint?: string;
  /** Canonical prefixes, sorted; never overlapping another peer of the same interface. */
  readonly allowedIPs: readonly string[];
  /** Seconds; absent or 0: off. */
  readonly persistentKeepalive?: number;
  /** Name of the preshared key the agent fetches for this pair; absent: none. */
  readonly presharedKeyRef?: string;
  /** Set when a PeerOverride replaced the generated peer. */
  readonly override?: string;
}

export interface InterfaceConfig {
  /** Linux interface name, ≤ 15 chars, stable for a given network, node and purpose. */
  readonly name: string;
  readonly purpose: InterfacePurpose;
  /** For uplinks and hub links: the hub at the other end. */
  readonly remote?: string;
  /** For uplinks: 0 is the preferred hub. */
  readonly priority?: number;
  /**
   * For uplinks and hub links with a peer: the remote hub's tunnel address. The agent probes it
   * through this interface for failover, and never moves the route to it off this interface.
   */
  readonly probe?: string;
  /** Absent: the kernel chooses (external nodes without an endpoint). */
  readonly listenPort?: number;
  /** Host addresses (`/32`, `/128`) of this node in the overlay. */
  readonly addresses: readonly string[];
  readonly mtu: number;
  readonly peers: readonly PeerConfig[];
  readonly routes: readonly RouteConfig[];
}

/** nftables for a hub: one table owned by hubwire, so other rules are never touched. */
export interface FirewallConfig {
  readonly table: string;
  /** A complete `nft -f` script that replaces the table atomically. */
  readonly script: string;
}

export interface DesiredState {
  readonly apiVersion: "hubwire/v1";
  readonly kind: "NodeConfig";
  readonly protocol: typeof DESIRED_STATE_VERSION;
  readonly node: string;
  readonly network: string;
  readonly role: NodeRole;
  /** Fingerprint of everything below; equal revisions mean equal states. */
  readonly revision: string;
  /** IP forwarding on: hubs, and spokes that route site subnets. */
  readonly forwarding: boolean;
  readonly interfaces: readonly InterfaceConfig[];
  readonly firewall?: FirewallConfig;
  /**
   * Which generation of the controller's preshared-key secret the keys this state names come
   * from; absent: the first. The agent fetches the keys again only when this or the set of names
   * changes, not on every delivery.
   */
  readonly presharedKeyGeneration?: number;
}

// The wire schema. Bounds are generous (a hub carries tens of thousands of peers); the agent's
// apply/validate.ts checks the deeper rules (canonical prefixes, no overlap) before it acts.
const prefix = z.string().min(3).max(43);
const ifaceName = z
  .string()
  .regex(/^[A-Za-z0-9_.=+-]{1,15}$/, { error: "must be a Linux interface name (1-15 characters)" });

export const routeConfigSchema = z.object({ prefix, metric: z.number().int().min(0).max(0xffff_ffff) });

export const peerConfigSchema = z.object({
  name: z.string().min(1).max(253),
  publicKey: z.string().refine(isWgKey, { error: "must be a WireGuard key: 32 bytes in base64" }),
  endpoint: z.string().min(1).max(261).optional(),
  allowedIPs: z.array(prefix).max(100_000),
  persistentKeepalive: z.number().int().min(0).max(65535).optional(),
  presharedKeyRef: z.string().min(1).max(512).optional(),
  override: z.string().min(1).max(253).optional(),
});

export const interfaceConfigSchema = z.object({
  name: ifaceName,
  purpose: z.enum(["hub-spokes", "hub-link", "uplink", "mesh"]),
  remote: dnsLabel.optional(),
  priority: z.number().int().min(0).max(1000).optional(),
  probe: z.string().min(2).max(39).optional(),
  listenPort: z.number().int().min(1).max(65535).optional(),
  addresses: z.array(prefix).max(64),
  mtu: z.number().int().min(1280).max(9000),
  peers: z.array(peerConfigSchema).max(100_000),
  routes: z.array(routeConfigSchema).max(200_000),
});

/** The fields of a desired state on the wire (a patch reuses them). */
export const desiredStateFields = {
  apiVersion: z.literal("hubwire/v1"),
  kind: z.literal("NodeConfig"),
  protocol: z.literal(DESIRED_STATE_VERSION, {
    error: (issue) =>
      issue.input === undefined
        ? `missing (this agent speaks protocol ${DESIRED_STATE_VERSION})`
        : `protocol ${JSON.stringify(issue.input)} is not spoken by this agent (it speaks ${DESIRED_STATE_VERSION}), upgrade the agent`,
  }),
  node: dnsLabel,
  network: dnsLabel,
  role: nodeRole,
  revision: z.string().min(1).max(128),
  forwarding: z.boolean(),
  interfaces: z.array(interfaceConfigSchema).max(1024),
  firewall: z
    .object({ table: z.string().min(1).max(64), script: z.string().max(16 * 1024 * 1024) })
    .optional(),
  presharedKeyGeneration: z.number().int().min(0).optional(),
};

/** The agent wire protocol's desired state (version {@link DESIRED_STATE_VERSION}). */
export const desiredStateSchema = z
  .object(desiredStateFields)
  .meta({ description: "A node's desired state (agent wire protocol, version 1)" });

// The interfaces above and the schema describe one shape: this fails to compile when they drift.
type Parsed = z.infer<typeof desiredStateSchema>;
type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
const sameShape: [
  Parsed extends DesiredState ? true : false,
  DesiredState extends DeepReadonly<Parsed> ? true : false,
] = [true, true];
void sameShape;

/** Why a desired state was refused: the first problems, with their paths (`interfaces.0.mtu: …`). */
export class DesiredStateRefused extends Error {
  override readonly name = "DesiredStateRefused";
}

/** A refusal naming the first problems zod found, with their paths (`interfaces.0.mtu: …`). */
export function refusal(what: string, error: z.ZodError): DesiredStateRefused {
  const problems = error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : "";
  return new DesiredStateRefused(`${what}: ${problems.join("; ")}${more}`);
}

/** A desired state from its parsed JSON value; throws {@link DesiredStateRefused} naming what is wrong. */
export function desiredStateOf(value: unknown): DesiredState {
  const parsed = desiredStateSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw refusal("desired state refused", parsed.error);
}

/**
 * Parses a desired state from its JSON text (a controller's answer, or the agent's saved copy);
 * throws {@link DesiredStateRefused} naming what is wrong.
 */
export function parseDesiredState(text: string): DesiredState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DesiredStateRefused(`desired state is not JSON: ${(e as Error).message}`);
  }
  return desiredStateOf(value);
}
