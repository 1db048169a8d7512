/**
 * The Enrollments page's Reset button (issue 13): a rejected and a revoked enrollment each get
 * one, behind a confirmation; confirming removes the enrollment (the API answers 404 for it) so
 * the same name enrolls again, which the agent's own client then does. Pending and approved
 * requests have no Reset button. Skipped loudly without Chromium, failed under CI. Runs the
 * build: `npm test` builds first.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { createJoinToken, enrollNode } from "./agents.js";
import {
  ADMIN_PASSWORD,
  animationsDone,
  axeViolations,
  login,
  settle,
  startUiLab,
  type UiLab,
} from "./harness.js";
import { applyCorp } from "./seed.js";

/** Within the `branches` policy (manual approval) of examples/corp. */
const REJECTED = { name: "branch-rst", endpoint: "198.51.100.50:51820", subnets: ["10.64.50.0/24"] };
/** Within the `edge` policy (approved at once), so it can be revoked. */
const REVOKED = "edge-rst";
const PENDING = { name: "branch-wait", endpoint: "198.51.100.51:51820", subnets: ["10.64.51.0/24"] };

describeWith(["chromium"], "web UI: resetting an enrollment so the name may enroll again", () => {
  let lab: UiLab;
  let page: Page;
  let branches: string;
  let edge: string;
  const stateOf = async (name: string) => {
    const r = await lab.api("GET", `/api/v1/enrollments/${name}`);
    return r.status === 404 ? "none" : r.json<{ status?: { state?: string } }>().status?.state;
  };
  beforeAll(async () => {
    lab = await startUiLab();
    await applyCorp(lab);
    branches = await createJoinToken(lab, "branches", 10);
    edge = await createJoinToken(lab, "edge", 10);
    const pending = await enrollNode(branches, PENDING.name, {
      endpoint: PENDING.endpoint,
      subnets: [...PENDING.subnets],
    });
    expect(pending.result.state).toBe("Pending");
    const asked = await enrollNode(branches, REJECTED.name, {
      endpoint: REJECTED.endpoint,
      subnets: [...REJECTED.subnets],
    });
    expect(asked.result.state).toBe("Pending");
    const rejected = await lab.api("POST", `/api/v1/enrollments/${REJECTED.name}/reject`, { reason: "typo" });
    expect(rejected.status, rejected.text).toBe(200);
    const joined = await enrollNode(edge, REVOKED, {});
    expect(joined.result.state).toBe("Approved");
    const revoked = await lab.api("POST", `/api/v1/nodes/${REVOKED}/revoke`, { reason: "box stolen" });
    expect(revoked.status, revoked.text).toBe(200);
    page = await lab.newPage();
    await login(page, lab.url, "admin", ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  /** Opens the tab `tab` of the Enrollments page and resets `name` through its confirmation. */
  const resetFrom = async (tab: string, name: string) => {
    await page.goto(`${lab.url}/enrollments`);
    await page.getByRole("tab", { name: tab }).click();
    const row = page.locator("tr.ant-table-row", { hasText: name });
    await row.getByRole("button", { name: "Reset" }).click();
    const confirm = page.locator(".ant-popconfirm", { hasText: `Reset ${name}?` });
    await confirm.getByText("may enroll again with a new join").waitFor();
    await animationsDone(page);
    expect(await axeViolations(page)).toEqual([]);
    await confirm.getByRole("button", { name: "Reset" }).click();
    await page.getByText(`${name} reset; it may enroll again`).waitFor();
    await expect.poll(() => stateOf(name)).toBe("none");
    // The list reloads: the reset enrollment has left the tab.
    await expect.poll(() => row.count()).toBe(0);
  };

  it("offers no Reset for pending or approved requests", async () => {
    await page.goto(`${lab.url}/enrollments`);
    await page.locator("tr.ant-table-row", { hasText: PENDING.name }).waitFor();
    await settle(page);
    expect(await page.locator("main").getByRole("button", { name: "Reset" }).count()).toBe(0);
    // The edge box is Revoked now; an approved one is needed to see Approved has no Reset.
    const approved = await enrollNode(edge, "edge-ok", {});
    expect(approved.result.state).toBe("Approved");
    await page.getByRole("tab", { name: "Approved" }).click();
    await page.locator("tr.ant-table-row", { hasText: "edge-ok" }).waitFor();
    await settle(page);
    expect(await page.locator("main").getByRole("button", { name: "Reset" }).count()).toBe(0);
  }, 90_000);

  it("resets a rejected enrollment; the same name then asks to join again", async () => {
    expect(await stateOf(REJECTED.name)).toBe("Rejected");
    // Refused while rejected (a new key finds the name taken): the reset is what lets it in.
    const refused = await enrollNode(branches, REJECTED.name, {
      endpoint: REJECTED.endpoint,
      subnets: [...REJECTED.subnets],
    });
    expect(refused.result.reason).toMatch(/^name-taken/);
    await resetFrom("Rejected", REJECTED.name);
    const again = await enrollNode(branches, REJECTED.name, {
      endpoint: REJECTED.endpoint,
      subnets: [...REJECTED.subnets],
    });
    expect(again.result.state).toBe("Pending");
    await page.getByRole("tab", { name: "Pending" }).click();
    await page.locator("tr.ant-table-row", { hasText: REJECTED.name }).waitFor();
  }, 90_000);

  it("resets a revoked enrollment; the same name then joins again with a new key", async () => {
    expect(await stateOf(REVOKED)).toBe("Revoked");
    expect((await enrollNode(edge, REVOKED, {})).result.reason).toMatch(/^node-revoked/);
    await resetFrom("Revoked", REVOKED);
    const again = await enrollNode(edge, REVOKED, {});
    expect(again.result.state).toBe("Approved");
    const node = (await lab.api("GET", `/api/v1/nodes/${REVOKED}`)).json<{ spec: { publicKey?: string } }>();
    expect(node.spec.publicKey).toBe(again.publicKey);
  }, 90_000);
});
