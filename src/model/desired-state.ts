/**
 * A node's desired state: what the compiler produces and the agent applies.
 * This is the agent wire protocol (version history below); JSON form is the
 * object as-is, with arrays sorted so that equal states serialise identically.
 *
 * Protocol versions:
 * - 1 (hubwire 0.1): first version. Later additions are optional fields that older agents
 *   ignore: `InterfaceConfig.probe` (failover probes, hubwire 0.2).
 */
import type { NodeRole } from "./resources.js";

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
}
