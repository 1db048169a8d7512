/**
 * The canonical bytes an agent signs when it enrolls (SPEC §4), and the HMAC
 * over them. Agent, controller and `hubwire join-hmac` must agree on every
 * byte, so the payload is built in exactly one place; the order and names of
 * its lines are a wire contract and never change within hubwire/v1.
 *
 * Pure: no I/O, clock or randomness; only node:crypto's HMAC.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import type { enrollmentSpec } from "./resources.js";

/**
 * What an agent asks for: the Enrollment spec without its signature. Taking
 * the parsed (validated) type makes callers validate before they sign/verify.
 */
export type JoinRequest = Omit<z.infer<typeof enrollmentSpec>, "hmac">;

/** The signed fields, in signing order. Adding a field to the spec must not silently leave it unsigned. */
export const JOIN_PAYLOAD_FIELDS = [
  "policy",
  "network",
  "nodeName",
  "audience",
  "nonce",
  "timestamp",
  "role",
  "tunnelAddress",
  "endpoint",
  "subnets",
  "publicKey",
  "listenPort",
  "persistentKeepalive",
] as const satisfies ReadonlyArray<keyof JoinRequest>;

// A value with a line break, or a subnet with a comma, could make two different requests
// sign the same bytes; validated requests never hold one, so meeting one is a bug.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

function text(field: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`join payload: ${field} must be an integer`);
    return String(value);
  }
  if (typeof value !== "string") throw new Error(`join payload: ${field} must be text`);
  if (CONTROL.test(value)) throw new Error(`join payload: ${field} contains a control character`);
  return value;
}

function subnetsText(subnets: readonly string[] | undefined): string {
  const items = (subnets ?? []).map((s) => {
    const t = text("subnets", s);
    if (t.includes(",")) throw new Error("join payload: a subnet contains ','");
    return t;
  });
  // Byte order of the UTF-8 text, independent of locale and of the order the agent listed them.
  return items.sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))).join(",");
}

/**
 * The exact text that is signed: one `name=value` line per field of
 * JOIN_PAYLOAD_FIELDS, joined by `\n` with no trailing newline. An absent
 * optional value is an empty value (`endpoint=`), never an omitted line, so
 * the line count is fixed. Throws on a value that could make the encoding
 * ambiguous (a control character, a comma in a subnet), which a request that
 * passed `enrollmentSpec` never has.
 */
export function joinPayload(request: JoinRequest): string {
  return JOIN_PAYLOAD_FIELDS.map((field) => {
    const value = field === "subnets" ? subnetsText(request.subnets) : text(field, request[field]);
    return `${field}=${value}`;
  }).join("\n");
}

/**
 * Lowercase hex HMAC-SHA256 of the payload, keyed with the secret's UTF-8
 * bytes, as the agent sends it in `spec.hmac`. An empty secret is refused: it
 * would authenticate nothing.
 */
export function joinHmac(request: JoinRequest, secret: string): string {
  if (secret.length === 0) throw new Error("join HMAC: the secret is empty");
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(joinPayload(request), "utf8").digest("hex");
}

const HMAC_HEX = /^[0-9a-f]{64}$/;

/**
 * Whether `hmac` signs `request` under `secret`, compared in constant time so
 * a forger learns nothing from response timing. Anything but 64 lowercase hex
 * characters is simply false (fails closed).
 */
export function verifyJoinHmac(request: JoinRequest, secret: string, hmac: string): boolean {
  const expected = Buffer.from(joinHmac(request, secret), "utf8");
  if (typeof hmac !== "string" || !HMAC_HEX.test(hmac)) return false;
  return timingSafeEqual(expected, Buffer.from(hmac, "utf8"));
}
