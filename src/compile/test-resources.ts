/** Builders of resources for the compiler's tests. Test support: pure, like the compiler. */
import { createHash } from "node:crypto";
import { parseResource, type Resource } from "../model/index.js";

/** A stable, valid-looking WireGuard public key per name. */
export const testKey = (name: string): string =>
  createHash("sha256").update(`key/${name}`).digest().toString("base64");

/** A parsed resource of `kind`; throws with the issues when the spec is invalid. */
export function testResource(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  labels?: Record<string, string>,
): Resource {
  const parsed = parseResource({ apiVersion: "hubwire/v1", kind, metadata: { name, labels }, spec });
  if (!parsed.ok) throw new Error(`${kind}/${name}: ${JSON.stringify(parsed.issues)}`);
  return parsed.resource;
}

/** Spoke number n of network corp: tunnel 10.100.1.n, site 10.64.n.0/24, attached to `hubs`. */
export const testSpoke = (
  name: string,
  n: number,
  hubs: string[],
  spec: Record<string, unknown> = {},
  labels?: Record<string, string>,
): Resource =>
  testResource(
    "Node",
    name,
    {
      network: "corp",
      role: "spoke",
      tunnelAddress: `10.100.1.${n}`,
      subnets: [`10.64.${n}.0/24`],
      hubs,
      publicKey: testKey(name),
      ...spec,
    },
    labels,
  );
