/**
 * `keygen` and `pubkey` through the real CLI entry point, in-process: the text
 * in and out must be what `wg genkey` / `wg pubkey` scripts expect.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWgKey, publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { EXIT } from "../exit-codes.js";
import { runCli } from "../testing/run-cli.js";

// RFC 7748 §6.1: Alice's key pair.
const PRIV = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
const PUB = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

const run = runCli;

describe("hubwire keygen", () => {
  it("-o FILE writes the key readable by its owner only (0600), and never overwrites one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hubwire-keygen-"));
    try {
      const file = join(dir, "private.key");
      const r = await run(["keygen", "-o", file]);
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toBe("");
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const key = await readFile(file, "utf8");
      expect(() => parseWgKey(key.trimEnd())).not.toThrow();
      const again = await run(["keygen", "-o", file]);
      expect(again.code).toBe(EXIT.io);
      expect(again.err).toMatch(/exists; not overwriting a key/);
      expect(await readFile(file, "utf8")).toBe(key);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("prints one new private key and a newline", async () => {
    const a = await run(["keygen"]);
    const b = await run(["keygen"]);
    expect(a.code).toBe(EXIT.ok);
    expect(a.err).toBe("");
    expect(a.out).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(() => parseWgKey(a.out.trimEnd())).not.toThrow();
    expect(a.out).not.toBe(b.out);
  });

  it("pipes into pubkey like `wg genkey | wg pubkey`", async () => {
    const priv = (await run(["keygen"])).out;
    const pub = await run(["pubkey"], priv);
    expect(pub.code).toBe(EXIT.ok);
    expect(pub.out).toBe(`${publicKeyFromPrivate(priv.trimEnd())}\n`);
  });

  it("refuses extra arguments (a key never goes in argv)", async () => {
    const r = await run(["keygen", PRIV]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe("");
  });
});

describe("hubwire pubkey", () => {
  it.each([
    ["with a newline", `${PRIV}\n`],
    ["without a newline", PRIV],
    ["with CRLF and surrounding blanks", `  ${PRIV}\r\n\n`],
  ])("prints the RFC 7748 public key for a key %s", async (_label, stdin) => {
    const r = await run(["pubkey"], stdin);
    expect(r).toEqual({ code: EXIT.ok, out: `${PUB}\n`, err: "" });
  });

  it.each([
    ["nothing", "", /expected a private key on stdin, got nothing/],
    ["a short key", PRIV.slice(1), /not a WireGuard key: expected 44 characters/],
    ["text that is not base64", "not-a-key-at-all-but-long-enough-for-44-ch!!", /not a WireGuard key/],
    ["two keys", `${PRIV}\n${PRIV}\n`, /not a WireGuard key/],
  ])("rejects %s with exit 1 and a clear message", async (_label, stdin, message) => {
    const r = await run(["pubkey"], stdin);
    expect(r.code).toBe(EXIT.invalid);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^hubwire: pubkey: /);
    expect(r.err).toMatch(message);
  });

  it("never echoes the (private) input in its error", async () => {
    const secretish = PRIV.slice(0, 40);
    const r = await run(["pubkey"], secretish);
    expect(r.err).not.toContain(secretish.slice(0, 10));
  });
});
