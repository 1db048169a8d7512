/** A spoke's desired state with uplinks to hub-1 (preferred) and hub-2, for failover tests. Test support. */
import type { DesiredState, InterfaceConfig, PeerConfig } from "../../model/index.js";

export const peerNamed = (name: string): PeerConfig => ({
  name,
  publicKey: `${name}-key`,
  allowedIPs: ["10.0.0.0/8"],
});

/** An uplink to `hub` probing `probe`, routing a LAN and both hubs' addresses at 100 + priority. */
export const uplink = (hub: string, priority: number, probe: string): InterfaceConfig => ({
  name: `hw_lab_${hub}`,
  purpose: "uplink",
  remote: hub,
  priority,
  probe,
  addresses: ["10.100.1.1/32"],
  mtu: 1420,
  peers: [peerNamed(hub)],
  routes: [
    { prefix: "10.64.2.0/24", metric: 100 + priority },
    { prefix: "10.100.0.1/32", metric: 100 + priority },
    { prefix: "10.100.0.2/32", metric: 100 + priority },
  ],
});

export const twoHubSpoke: DesiredState = {
  apiVersion: "hubwire/v1",
  kind: "NodeConfig",
  protocol: 1,
  node: "spoke-a",
  network: "lab",
  role: "spoke",
  revision: "r1",
  forwarding: false,
  interfaces: [uplink("hub-1", 0, "10.100.0.1"), uplink("hub-2", 1, "10.100.0.2")],
};
