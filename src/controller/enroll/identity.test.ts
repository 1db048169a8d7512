/** Replicas on one database share one enrollment identity (SQLite here; the upsert is dialect-neutral). */
import { describe, expect, it } from "vitest";
import { publicKeyFromPrivate } from "../../keys/wgkeys.js";
import { openDatabase } from "../db/open.js";
import { scratchDir } from "../testing/scratch-dir.js";
import { controllerIdentity } from "./identity.js";

const dirs = await scratchDir("hubwire-enroll-identity-");

describe("controller enrollment identity", () => {
  it("is created once and read by every replica, so proofs verify on any of them", async () => {
    const dataDir = dirs.next();
    const a = await openDatabase({ dataDir });
    const b = await openDatabase({ dataDir });
    try {
      const [ia, ib] = await Promise.all([controllerIdentity(a), controllerIdentity(b)]);
      expect(ia.id).toMatch(/^hw-[0-9a-f]{16}$/);
      expect(ib.id).toBe(ia.id);
      expect(ib.publicKey).toBe(ia.publicKey);
      const raw = ia.privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32).toString("base64");
      expect(publicKeyFromPrivate(raw)).toBe(ia.publicKey);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
