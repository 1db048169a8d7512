/**
 * wg-quick files for external peers (laptops, phones, third-party routers
 * that run no agent): a download of the compiled file, and an opt-in key
 * generation for devices that cannot make their own key. The generated
 * private key is written into that one answer and then discarded: the
 * controller keeps only the public key, in the node's spec, through the
 * intent store (validated and audited like any other change).
 */
import { z } from "zod";
import { generatePrivateKey, publicKeyFromPrivate } from "../../../keys/wgkeys.js";
import { dnsLabel, type Node, type WgPublicKey } from "../../../model/index.js";
import { PRIVATE_KEY_PLACEHOLDER, type RenderOptions, renderWgQuick } from "../../../wgconf/index.js";
import { DomainError } from "../../errors.js";
import { presharedKeysFor } from "../../state/preshared-keys.js";
import { storedResource } from "../../state/stored-resources.js";
import { type AnyRoute, route } from "../route.js";
import type { Services } from "../services.js";

const params = z.strictObject({ name: dnsLabel });
const query = z.strictObject({
  /** Which interface's file (a node with several hubs has one per hub); default: the first-priority uplink. */
  interface: z
    .string()
    .regex(/^[A-Za-z0-9_=+.-]{1,15}$/)
    .optional(),
  /**
   * `file` (default): a PostUp line loads the key from /etc/wireguard/IF.key (Linux wg-quick only).
   * `placeholder`: a `PrivateKey =` line to paste the device's key into, the form WireGuard's apps
   * import (they run no PostUp lines).
   */
  privateKey: z.enum(["file", "placeholder"]).default("file"),
});
/** Key generation writes the new key into the file: only the interface can be chosen. */
const generateQuery = query.pick({ interface: true });

async function externalNode(s: Services, name: string): Promise<Node> {
  const stored = await storedResource(s.db, "Node", name);
  if (!stored) throw new DomainError("not-found", `Node/${name} does not exist`);
  const node = stored as Node;
  if (node.spec.role !== "external") {
    throw new DomainError(
      "bad-request",
      `Node/${name} is a ${node.spec.role}; only external nodes get a wg-quick file here (agents fetch their own configuration)`,
    );
  }
  return node;
}

/** The rendered file of one interface of a compiled node. */
async function fileOf(
  s: Services,
  name: string,
  iface: string | undefined,
  options: RenderOptions = {},
): Promise<{ name: string; text: string }> {
  const state = (await s.intent.current()).compiled.get(name);
  if (!state || state.interfaces.length === 0) {
    throw new DomainError("not-found", `Node/${name} has no configuration yet (does it have a hub?)`);
  }
  // The device has no agent to fetch preshared keys: the file carries them (a secret download).
  const files = renderWgQuick(state, { ...options, presharedKeys: await presharedKeysFor(s.db, state) });
  const chosen = iface ? files.find((f) => f.name === `${iface}.conf`) : files[0];
  if (!chosen) {
    const known = files.map((f) => f.name.replace(/\.conf$/, "")).join(", ");
    throw new DomainError("not-found", `Node/${name} has no interface ${iface}; it has ${known}`);
  }
  return chosen;
}

export function wgQuickRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: "GET",
      path: "/api/v1/nodes/:name/wg-quick",
      permission: "read",
      summary:
        "An external node's wg-quick file (text/plain), with the preshared keys of its peers, never with its private key: loaded from a file on the device (privateKey=file), or a placeholder to paste it over (privateKey=placeholder, for WireGuard's apps)",
      tag: "Node",
      produces: ["text/plain"],
      params,
      query,
      handler: async ({ params: p, query: q, reply }) => {
        await externalNode(s, p.name);
        const file = await fileOf(
          s,
          p.name,
          q.interface,
          q.privateKey === "placeholder" ? { inlinePrivateKey: PRIVATE_KEY_PLACEHOLDER } : {},
        );
        reply.type("text/plain; charset=utf-8");
        reply.header("cache-control", "no-store");
        reply.header("content-disposition", `attachment; filename="${file.name}"`);
        return file.text;
      },
    }),
    route({
      method: "POST",
      path: "/api/v1/nodes/:name/wg-quick/generate-key",
      permission: "write",
      summary:
        "Generate a key pair for an external node: sets its public key and returns a wg-quick file WITH the private key, once; the controller does not keep the private key",
      tag: "Node",
      produces: ["text/plain"],
      params,
      query: generateQuery,
      body: z.strictObject({
        /** Required when the node already has a public key: the device holding the old key stops working. */
        replaceExistingKey: z.boolean().default(false),
      }),
      handler: async ({ params: p, query: q, body, principal, request, reply }) => {
        const node = await externalNode(s, p.name);
        if (node.spec.publicKey && !body.replaceExistingKey) {
          throw new DomainError(
            "conflict",
            `Node/${p.name} already has a public key; send replaceExistingKey: true to replace it (the device using the old key is cut off)`,
          );
        }
        const privateKey = generatePrivateKey();
        const { status: _status, ...intent } = node;
        const next: Node = {
          ...intent,
          spec: { ...node.spec, publicKey: publicKeyFromPrivate(privateKey) as WgPublicKey },
        };
        await s.intent.apply(s.actor(principal, request), [{ op: "put", resource: next }], {
          expect: "replace",
        });
        const file = await fileOf(s, p.name, q.interface, { inlinePrivateKey: privateKey });
        reply.type("text/plain; charset=utf-8");
        reply.header("cache-control", "no-store");
        reply.header("content-disposition", `attachment; filename="${file.name}"`);
        return file.text;
      },
    }),
  ];
}
