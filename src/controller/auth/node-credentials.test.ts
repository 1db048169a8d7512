/** Node credentials: issue, authenticate, replace, revoke — against a real SQLite database. */
import type { FastifyRequest } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "../db/open.js";
import { scratchDir } from "../testing/scratch-dir.js";
import {
  authenticateNode,
  issueNodeCredential,
  parseNodeCredential,
  revokeNodeCredentialOf,
} from "./node-credentials.js";

const dirs = await scratchDir("hubwire-nodecred-");
const open: Db[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

const request = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as unknown as FastifyRequest;
const now = new Date("2026-11-27T00:00:00Z");

describe("node credentials", () => {
  it("parse only what the controller could have issued", () => {
    const secret = "A".repeat(42) + "A";
    expect(parseNodeCredential(`hwn_branch-sha_${secret}`)).toEqual({ node: "branch-sha", secret });
    for (const bad of [
      `hwt_branch-sha_${secret}`,
      `hwn_Branch_${secret}`,
      `hwn_branch-sha_${secret}x`,
      `hwn_-a_${secret}`,
      `hwn_branch-sha_${"A".repeat(42)}B`, // non-canonical last base64url character
      "",
    ]) {
      expect(parseNodeCredential(bad), bad).toBeUndefined();
    }
  });

  it("authenticate the node they were issued to until replaced or revoked", async () => {
    const db = await openDatabase({ dataDir: dirs.next() });
    open.push(db);
    const first = await db.transaction((tx) => issueNodeCredential(tx, "spoke-a", now));
    expect(first).toMatch(/^hwn_spoke-a_[A-Za-z0-9_-]{43}$/);
    const principal = await authenticateNode(db, request(`Bearer ${first}`));
    expect(principal).toMatchObject({ kind: "node", node: "spoke-a", actor: "node:spoke-a" });

    const second = await db.transaction((tx) => issueNodeCredential(tx, "spoke-a", now));
    await expect(authenticateNode(db, request(`Bearer ${first}`))).rejects.toMatchObject({
      code: "unauthenticated",
    });
    await authenticateNode(db, request(`Bearer ${second}`));

    expect(await db.transaction((tx) => revokeNodeCredentialOf(tx, "spoke-a", now))).toBe(true);
    expect(await db.transaction((tx) => revokeNodeCredentialOf(tx, "spoke-a", now))).toBe(false);
    await expect(authenticateNode(db, request(`Bearer ${second}`))).rejects.toMatchObject({
      code: "unauthenticated",
    });
    // Revocation is final: no credential is ever issued to the node again.
    await expect(db.transaction((tx) => issueNodeCredential(tx, "spoke-a", now))).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("refuse missing, malformed and unknown credentials alike", async () => {
    const db = await openDatabase({ dataDir: dirs.next() });
    open.push(db);
    const forged = `hwn_spoke-b_${"x".repeat(42)}A`;
    for (const header of [undefined, "", "Bearer", `Basic ${forged}`, `Bearer ${forged}`]) {
      await expect(authenticateNode(db, request(header)), String(header)).rejects.toMatchObject({
        code: "unauthenticated",
        message: "missing or invalid node credential",
      });
    }
  });
});
