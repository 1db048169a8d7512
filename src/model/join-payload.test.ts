/**
 * The join payload is a wire contract between agent and controller, so the
 * expected HMACs here come from outside our code: vectors computed once with
 * `openssl dgst -sha256 -hmac` and written down (they run everywhere), and a
 * live cross-check against openssl wherever it is installed (always in CI).
 *
 * This file runs processes; the module under test does not.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  JOIN_PAYLOAD_FIELDS,
  type JoinRequest,
  joinHmac,
  joinPayload,
  verifyJoinHmac,
} from "./join-payload.js";
import { enrollmentSpec } from "./resources.js";
import {
  EXAMPLE_PUBLIC_KEY,
  FULL_HMAC,
  FULL_HMAC_UTF8,
  FULL_PAYLOAD,
  MINIMAL_HMAC,
  MINIMAL_PAYLOAD,
  SECRET,
  SECRET_UTF8,
} from "./testing/join-vectors.js";

/** Goes through the schema, as real requests do, so the examples are valid requests. */
function request(overrides: Record<string, unknown> = {}): JoinRequest {
  const { hmac: _hmac, ...spec } = enrollmentSpec.parse({
    policy: "branches",
    network: "corp",
    nodeName: "branch-sha",
    audience: "ctrl-7f3a.example",
    nonce: "9f1c2e4b6a8d0c1e3f5a7b9d2c4e6f80",
    timestamp: "2026-11-22T08:00:00Z",
    role: "spoke",
    publicKey: EXAMPLE_PUBLIC_KEY,
    hmac: "0".repeat(64),
    ...overrides,
  });
  return spec;
}

const FULL = request({
  tunnelAddress: "10.100.1.7",
  endpoint: "198.51.100.7:51820",
  // Listed out of order; byte order puts "10.64.10" before "10.64.9" (not numeric order).
  subnets: ["10.64.9.0/24", "fd00:64:7::/64", "10.64.10.0/24"],
  listenPort: 51820,
  persistentKeepalive: 25,
});
const MINIMAL = request();

/** [label, request, secret, HMAC as printed by `openssl dgst -sha256 -hmac SECRET` over the payload]. */
const VECTORS: Array<[string, JoinRequest, string, string]> = [
  ["full request", FULL, SECRET, FULL_HMAC],
  ["full request, non-ASCII secret (keyed by UTF-8 bytes)", FULL, SECRET_UTF8, FULL_HMAC_UTF8],
  ["optional values absent", MINIMAL, SECRET, MINIMAL_HMAC],
];

describe("joinPayload", () => {
  it("lays out every field in the fixed order, subnets in byte order, no trailing newline", () => {
    expect(joinPayload(FULL)).toBe(FULL_PAYLOAD);
  });

  it("writes an absent value as an empty value, keeping all 13 lines", () => {
    expect(joinPayload(MINIMAL)).toBe(MINIMAL_PAYLOAD);
    expect(joinPayload(MINIMAL).split("\n")).toHaveLength(13);
  });

  it("does not depend on the order subnets were listed in", () => {
    const reversed = { ...FULL, subnets: [...FULL.subnets].reverse() };
    expect(joinPayload(reversed)).toBe(FULL_PAYLOAD);
  });

  it("signs every field of the Enrollment spec except hmac (guard: a new field must be signed)", () => {
    const specFields = Object.keys(enrollmentSpec.shape).filter((f) => f !== "hmac");
    expect([...JOIN_PAYLOAD_FIELDS].sort()).toEqual(specFields.sort());
  });

  it("refuses values that would make the encoding ambiguous", () => {
    expect(() => joinPayload({ ...FULL, endpoint: "198.51.100.7:51820\npublicKey=x" })).toThrow(/endpoint/);
    expect(() => joinPayload({ ...FULL, subnets: ["10.0.0.0/8,10.1.0.0/16"] })).toThrow(/subnet/);
    expect(() => joinPayload({ ...FULL, listenPort: 1.5 })).toThrow(/listenPort/);
  });
});

describe("joinHmac / verifyJoinHmac", () => {
  it.each(VECTORS)("matches the openssl vector: %s", (_label, req, secret, expected) => {
    expect(joinHmac(req, secret)).toBe(expected);
    expect(verifyJoinHmac(req, secret, expected)).toBe(true);
  });

  it("rejects a wrong secret, a changed field and a malformed hmac", () => {
    const [, req, secret, good] = VECTORS[0]!;
    expect(verifyJoinHmac(req, `${secret}!`, good)).toBe(false);
    expect(verifyJoinHmac({ ...req, nodeName: "branch-shb" }, secret, good)).toBe(false);
    expect(verifyJoinHmac({ ...req, subnets: ["10.64.9.0/24"] }, secret, good)).toBe(false);
    expect(verifyJoinHmac(req, secret, good.toUpperCase())).toBe(false);
    expect(verifyJoinHmac(req, secret, good.slice(0, 63))).toBe(false);
    expect(verifyJoinHmac(req, secret, `${good}0`)).toBe(false);
    expect(verifyJoinHmac(req, secret, "")).toBe(false);
  });

  it("refuses an empty secret", () => {
    expect(() => joinHmac(FULL, "")).toThrow(/secret is empty/);
  });
});

/** Runs a command with an argument array (never a shell), resolving to stdout. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: "utf8", timeout: 10_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

describe("cross-check with openssl", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hubwire-join-payload-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("computes what `openssl dgst -sha256 -hmac` computes over the payload bytes", async (ctx) => {
    try {
      await run("openssl", ["version"]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      if (process.env.CI) throw new Error("openssl is not installed but CI is set: CI must install it");
      const reason = "openssl not found on PATH; the hard-coded openssl vectors above still ran";
      console.warn(`SKIPPED: ${reason}`);
      ctx.skip(reason);
    }
    // Test-only secrets: passing them in argv is acceptable here, never for real ones.
    const cases: Array<[JoinRequest, string]> = [
      ...VECTORS.map(([, req, secret]): [JoinRequest, string] => [req, secret]),
      [request({ nonce: "ab".repeat(64), role: "hub", subnets: ["192.0.2.0/24"] }), "x"],
    ];
    for (const [i, [req, secret]] of cases.entries()) {
      const file = join(dir, `payload-${i}`);
      await writeFile(file, joinPayload(req), "utf8");
      const out = await run("openssl", ["dgst", "-sha256", "-hmac", secret, file]);
      const hex = /= ?([0-9a-f]{64})\s*$/.exec(out)?.[1];
      expect(hex, `openssl printed: ${out}`).toBeDefined();
      expect(joinHmac(req, secret)).toBe(hex);
    }
  });
});
