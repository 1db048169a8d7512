/**
 * The guard table: how the planner applies each field of the desired-state types. Kept apart
 * from the planner so the list reads as a checklist; `plan.test.ts` holds it to the compiler.
 */
import type { DesiredState, InterfaceConfig, PeerConfig } from "../../model/index.js";

/**
 * How each field of the desired-state types is applied. Typed as a total record: adding a
 * field to a type without saying here how it is handled fails the type check, and the guard
 * test compares these keys with a fully populated compiled state.
 */
export const HANDLED_FIELDS = {
  state: {
    apiVersion: "checked by the schema",
    kind: "checked by the schema",
    protocol: "checked by the schema",
    node: "log only",
    network: "log only",
    role: "log only (forwarding and firewall carry the hub's behaviour)",
    revision: "recorded in the state directory",
    forwarding: "enable-forwarding (IPv4, and IPv6 when the state has IPv6); never switched off",
    interfaces: "per interface below; extra owned interfaces are deleted",
    firewall: "replace-firewall / update-firewall-sets / delete-firewall",
    presharedKeyGeneration: "the daemon fetches the preshared keys again when it changes",
  },
  interface: {
    name: "create-interface / delete-interface",
    purpose: "not applied (failover uses it)",
    remote: "not applied (failover uses it)",
    priority: "not applied (route metrics carry it)",
    probe: "probed by failover; its route is never moved off the interface",
    listenPort: "set-listen-port",
    addresses: "add-address / remove-address",
    mtu: "set-mtu",
    peers: "add-peer / change-peer / remove-peer",
    routes: "add-route / remove-route",
  },
  peer: {
    name: "log only",
    publicKey: "identity of add/remove",
    endpoint: "change-peer endpoint",
    allowedIPs: "change-peer allowedIPs",
    persistentKeepalive: "change-peer persistentKeepalive",
    presharedKeyRef: "change-peer presharedKey",
    override: "log only",
  },
  route: { prefix: "add-route / remove-route", metric: "add-route / remove-route" },
  firewallConfig: {
    table: "replace-firewall",
    script:
      "replace-firewall, or update-firewall-sets when only set elements changed (hash in a marker chain)",
  },
} as const satisfies {
  state: Record<keyof DesiredState, string>;
  interface: Record<keyof InterfaceConfig, string>;
  peer: Record<keyof PeerConfig, string>;
  route: Record<keyof InterfaceConfig["routes"][number], string>;
  firewallConfig: Record<keyof NonNullable<DesiredState["firewall"]>, string>;
};
