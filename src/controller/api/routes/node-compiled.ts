/**
 * `GET /api/v1/nodes/:name/compiled`: a node's compiled desired state for operators (read role) —
 * the interfaces with their peers, addresses and routes, and a hub's firewall script — so the UI
 * shows what the node is meant to run before (or without) any agent report. It holds no secret:
 * preshared keys appear only by reference, private keys never enter the compiler.
 */
import { z } from "zod";
import { dnsLabel } from "../../../model/index.js";
import { DomainError } from "../../errors.js";
import { storedResource } from "../../state/stored-resources.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const peer = z.object({
  name: z.string(),
  publicKey: z.string(),
  endpoint: z.string().optional(),
  allowedIPs: z.array(z.string()),
  persistentKeepalive: z.number().optional(),
  presharedKeyRef: z.string().optional(),
  override: z.string().optional(),
});

const iface = z.object({
  name: z.string(),
  purpose: z.enum(["hub-spokes", "hub-link", "uplink", "mesh"]),
  remote: z.string().optional(),
  priority: z.number().optional(),
  probe: z.string().optional(),
  listenPort: z.number().optional(),
  addresses: z.array(z.string()),
  mtu: z.number(),
  peers: z.array(peer),
  routes: z.array(z.object({ prefix: z.string(), metric: z.number() })),
});

/** The DesiredState of src/model/desired-state.ts, for the document and the UI's types. */
const compiled = z.object({
  apiVersion: z.literal("hubwire/v1"),
  kind: z.literal("NodeConfig"),
  protocol: z.number(),
  node: z.string(),
  network: z.string(),
  role: z.enum(["hub", "spoke", "external"]),
  revision: z.string(),
  forwarding: z.boolean(),
  interfaces: z.array(iface),
  firewall: z.object({ table: z.string(), script: z.string() }).optional(),
});

export function nodeCompiledRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/nodes/:name/compiled",
      permission: "read",
      summary:
        "A node's compiled desired state (interfaces, peers, routes, firewall script): what its agent is sent; no secrets",
      tag: "Node",
      params: z.strictObject({ name: dnsLabel }),
      response: compiled,
      handler: async ({ params }) => {
        const state = (await s.intent.current()).compiled.get(params.name);
        if (state) return state;
        const exists = await storedResource(s.db, "Node", params.name);
        throw new DomainError(
          "not-found",
          exists
            ? `Node/${params.name} has no compiled configuration (the intent does not compile)`
            : `Node/${params.name} does not exist`,
        );
      },
    }),
  ];
}
