/**
 * Keys must match the WireGuard tools bit for bit, or peers silently never
 * handshake: checked against RFC 7748's vectors everywhere, and against the
 * real `wg pubkey` wherever it is installed (and always in CI).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  generatePrivateKey,
  InvalidKeyError,
  parseWgKey,
  publicKeyFromPrivate,
  WG_KEY_BYTES,
  x25519SharedSecret,
} from "./wgkeys.js";

const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

describe("RFC 7748 test vectors", () => {
  // §6.1: Diffie-Hellman between Alice and Bob.
  const alicePriv = b64("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const alicePub = b64("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const bobPriv = b64("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const bobPub = b64("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

  it("derives both public keys (§6.1)", () => {
    expect(publicKeyFromPrivate(alicePriv)).toBe(alicePub);
    expect(publicKeyFromPrivate(bobPriv)).toBe(bobPub);
  });

  it("computes the same shared secret from both sides (§6.1)", () => {
    expect(x25519SharedSecret(alicePriv, bobPub).toString("hex")).toBe(shared);
    expect(x25519SharedSecret(bobPriv, alicePub).toString("hex")).toBe(shared);
  });

  it.each([
    // §5.2: an unclamped scalar, and a u-coordinate with the high bit set (must be masked).
    [
      "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ],
    [
      "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
      "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ],
  ])("scalar multiplication %s (§5.2)", (scalar, u, out) => {
    expect(x25519SharedSecret(b64(scalar), b64(u)).toString("hex")).toBe(out);
  });

  it("iterates 1 and 1,000 times (§5.2)", () => {
    let k: Buffer = Buffer.alloc(32);
    k[0] = 9;
    let u: Buffer = Buffer.from(k);
    const results = new Map<number, string>();
    for (let i = 1; i <= 1000; i++) {
      const next = x25519SharedSecret(k.toString("base64"), u.toString("base64"));
      u = k;
      k = next;
      if (i === 1 || i === 1000) results.set(i, k.toString("hex"));
    }
    expect(results.get(1)).toBe("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    expect(results.get(1000)).toBe("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
  });
});

describe("generatePrivateKey", () => {
  it("makes distinct, valid, clamped keys like `wg genkey`", () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const key = generatePrivateKey();
      const raw = parseWgKey(key);
      expect(raw).toHaveLength(WG_KEY_BYTES);
      expect(raw[0]! & 7).toBe(0);
      expect(raw[31]! & 0x80).toBe(0);
      expect(raw[31]! & 0x40).toBe(0x40);
      keys.add(key);
    }
    expect(keys.size).toBe(200);
  });

  it("pairs with its public key through X25519", () => {
    const a = generatePrivateKey();
    const b = generatePrivateKey();
    const ab = x25519SharedSecret(a, publicKeyFromPrivate(b));
    const ba = x25519SharedSecret(b, publicKeyFromPrivate(a));
    expect(ab.equals(ba)).toBe(true);
  });
});

describe("parseWgKey", () => {
  const good = b64("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");

  it("accepts canonical base64 of 32 bytes", () => {
    expect(parseWgKey(good).toString("base64")).toBe(good);
  });

  it.each([
    ["empty", ""],
    ["too short", good.slice(0, 43)],
    ["too long", `${good}A`],
    ["with a trailing newline", `${good}\n`],
    ["with leading space", ` ${good.slice(1)}`],
    ["not base64", `${good.slice(0, 10)}!${good.slice(11)}`],
    ["url-safe base64", "-".repeat(43) + "="],
    ["without padding", `${good.slice(0, 43)}A`],
    ["non-canonical last character (two texts, one key)", `${good.slice(0, 42)}r=`],
    ["33 bytes", Buffer.alloc(33).toString("base64")],
  ])("rejects %s with a clear error that does not echo the text", (_label, text) => {
    expect(() => parseWgKey(text, "private key")).toThrow(InvalidKeyError);
    expect(() => parseWgKey(text, "private key")).toThrow(/^private key is not a WireGuard key: expected 44/);
    try {
      parseWgKey(text);
    } catch (error) {
      if (text.length > 8) expect((error as Error).message).not.toContain(text.slice(0, 8));
    }
  });

  it("rejects a bad key in every entry point", () => {
    expect(() => publicKeyFromPrivate("nope")).toThrow(/^private key is not a WireGuard key/);
    expect(() => x25519SharedSecret("nope", good)).toThrow(/^private key is not a WireGuard key/);
    expect(() => x25519SharedSecret(good, "nope")).toThrow(/^peer public key is not a WireGuard key/);
  });
});

describe("x25519SharedSecret", () => {
  it.each([
    ["zero", "0000000000000000000000000000000000000000000000000000000000000000"],
    ["one", "0100000000000000000000000000000000000000000000000000000000000000"],
    ["p-1", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
  ])("refuses the low-order point u=%s (all-zero secret proves nothing)", (_label, u) => {
    expect(() => x25519SharedSecret(generatePrivateKey(), b64(u))).toThrow(/low-order point/);
  });
});

/** Runs `cmd` with `input` on stdin (keys never go in argv), resolving to stdout. */
function run(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: "utf8", timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve(stdout);
    });
    child.stdin?.on("error", () => {}); // the exit status tells the story if wg quits early
    child.stdin?.end(input);
  });
}

async function wgInstalled(): Promise<boolean> {
  try {
    await run("wg", ["--version"], "");
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

describe("compatibility with wireguard-tools", () => {
  it("derives the same public key as `wg pubkey` for 20 random keys", async (ctx) => {
    if (!(await wgInstalled())) {
      if (process.env.CI) {
        throw new Error("`wg` is not installed but CI is set: CI must install wireguard-tools for this test");
      }
      const reason = "`wg` not found on PATH (install wireguard-tools to compare against `wg pubkey`)";
      console.warn(`SKIPPED: ${reason}`);
      ctx.skip(reason);
    }
    // Half generated here (clamped), half raw random bytes (unclamped): wg must agree on both.
    const privs = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0 ? generatePrivateKey() : randomBytes(WG_KEY_BYTES).toString("base64"),
    );
    for (const priv of privs) {
      const fromWg = await run("wg", ["pubkey"], `${priv}\n`);
      expect(`${publicKeyFromPrivate(priv)}\n`).toBe(fromWg);
    }
  });
});
