/**
 * `hubwire join-hmac` through the real CLI entry point, in-process, with claim
 * and secret files on disk. Expected HMACs are the openssl-computed vectors of
 * src/model/testing/join-vectors.ts, shared with the model's tests, so CLI and
 * model are held to the same bytes.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FULL_HMAC,
  FULL_HMAC_UTF8,
  FULL_PAYLOAD,
  SECRET,
  SECRET_UTF8,
} from "../../model/testing/join-vectors.js";
import { EXIT } from "../exit-codes.js";
import { runCli } from "../testing/run-cli.js";

const SPEC_YAML = `policy: branches
  network: corp
  nodeName: branch-sha
  audience: ctrl-7f3a.example
  nonce: 9f1c2e4b6a8d0c1e3f5a7b9d2c4e6f80
  timestamp: "2026-11-22T08:00:00Z"
  role: spoke
  tunnelAddress: 10.100.1.7
  endpoint: 198.51.100.7:51820
  subnets: [10.64.9.0/24, fd00:64:7::/64, 10.64.10.0/24]
  publicKey: "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
  listenPort: 51820
  persistentKeepalive: 25`;

const RESOURCE_YAML = `apiVersion: hubwire/v1
kind: Enrollment
metadata: { name: branch-sha }
spec:
  ${SPEC_YAML}
  hmac: "${"ab".repeat(32)}"
status: { state: Pending, reason: "", expiresAt: "2026-11-23T08:00:00Z" }
`;

let dir = "";
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hubwire-join-hmac-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Writes a fresh temp file and returns its path. */
async function file(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${n++}`);
  await writeFile(path, content);
  return path;
}

const run = (args: string[]) => runCli(["join-hmac", ...args]);

async function sign(claim: string, secret: string | Buffer = `${SECRET}\n`, extra: string[] = []) {
  return run(["--claim", await file(claim), "--secret-file", await file(secret), ...extra]);
}

describe("hubwire join-hmac", () => {
  it("prints the HMAC of a whole Enrollment resource, ignoring its hmac and status", async () => {
    expect(await sign(RESOURCE_YAML)).toEqual({ code: EXIT.ok, out: `${FULL_HMAC}\n`, err: "" });
  });

  it("accepts just the spec, without hmac", async () => {
    const bare = SPEC_YAML.replace(/\n {2}/g, "\n");
    expect(await sign(bare)).toEqual({ code: EXIT.ok, out: `${FULL_HMAC}\n`, err: "" });
  });

  it.each([
    ["LF", `${SECRET}\n`],
    ["CRLF", `${SECRET}\r\n`],
    ["no", SECRET],
  ])("drops one trailing newline (%s) from the secret file", async (_label, secret) => {
    expect((await sign(RESOURCE_YAML, secret)).out).toBe(`${FULL_HMAC}\n`);
  });

  it("keys the HMAC with the secret's UTF-8 bytes", async () => {
    expect((await sign(RESOURCE_YAML, `${SECRET_UTF8}\n`)).out).toBe(`${FULL_HMAC_UTF8}\n`);
  });

  it("--show-payload prints exactly the signed bytes and nothing else", async () => {
    expect(await sign(RESOURCE_YAML, `${SECRET}\n`, ["--show-payload"])).toEqual({
      code: EXIT.ok,
      out: FULL_PAYLOAD,
      err: "",
    });
  });
});

describe("hubwire join-hmac, bad input", () => {
  it("reports a missing claim file with exit 3", async () => {
    const r = await run(["--claim", join(dir, "nope.yaml"), "--secret-file", await file(SECRET)]);
    expect(r.code).toBe(EXIT.io);
    expect(r.out).toBe("");
    expect(r.err).toContain(`cannot read claim file ${join(dir, "nope.yaml")}: no such file`);
  });

  it("reports a missing secret file with exit 3", async () => {
    const r = await run(["--claim", await file(RESOURCE_YAML), "--secret-file", join(dir, "nope")]);
    expect(r.code).toBe(EXIT.io);
    expect(r.err).toContain("cannot read secret file");
  });

  it("reports a directory given as claim with exit 3", async () => {
    const r = await run(["--claim", dir, "--secret-file", await file(SECRET)]);
    expect(r.code).toBe(EXIT.io);
    expect(r.err).toContain("it is a directory");
  });

  it("requires both flags (usage error)", async () => {
    const r = await run(["--claim", await file(RESOURCE_YAML)]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("--secret-file");
  });

  it("prints every issue of an invalid claim, with resource and field path, and exits 1", async () => {
    const claim = RESOURCE_YAML.replace("  role: spoke", "  role: spoke\n  colour: blue").replace(
      "nonce: 9f1c",
      "nonce: 9F1C",
    );
    const path = await file(claim);
    const r = await run(["--claim", path, "--secret-file", await file(SECRET)]);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toBe("");
    const lines = r.err.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines).toContain(
      `${path}: Enrollment/branch-sha spec.colour: unknown field "colour" [unknown-field]`,
    );
    expect(lines.some((l) => l.startsWith(`${path}: Enrollment/branch-sha spec.nonce:`))).toBe(true);
  });

  it("names the field of a bare spec too", async () => {
    const bare = `${SPEC_YAML.replace(/\n {2}/g, "\n")}\nextra: 1\n`;
    const r = await sign(bare);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.err).toContain(`Enrollment/branch-sha spec.extra: unknown field "extra" [unknown-field]`);
  });

  it("refuses a resource of another kind", async () => {
    const node =
      "apiVersion: hubwire/v1\nkind: Node\nmetadata: { name: n1 }\nspec: { network: corp, role: hub }\n";
    const r = await sign(node);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.err).toContain('a claim must be kind Enrollment, not "Node"');
  });

  it.each([
    ["a YAML syntax error", "spec: [unclosed\n", /: .+/],
    ["two documents", `${RESOURCE_YAML}---\n${RESOURCE_YAML}`, /exactly one YAML document/],
    ["an empty file", "", /exactly one YAML document/],
    ["a list", "- a\n- b\n", /a resource must be a mapping/],
  ])("refuses a claim file with %s", async (_label, claim, message) => {
    const r = await sign(claim);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
  });

  it.each([
    ["empty", "", /secret file .* is empty/],
    ["only a newline", "\n", /secret file .* is empty/],
    ["two lines", `${SECRET}\nsecond line\n`, /more than one line/],
    ["two trailing newlines", `${SECRET}\n\n`, /more than one line/],
    ["not UTF-8", Buffer.from([0x73, 0x65, 0xff, 0xfe, 0x0a]), /is not UTF-8 text/],
  ])("refuses a secret file that is %s, with exit 1, without echoing it", async (_label, secret, message) => {
    const r = await sign(RESOURCE_YAML, secret);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toBe("");
    expect(r.err).toMatch(message);
    expect(r.err).not.toContain(SECRET);
  });
});
