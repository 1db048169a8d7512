/**
 * The audit page shows one apply as one change: examples/corp (13 resources) applied at once is a
 * single row naming its revision, which expands to the 13 entries (each with its own before and
 * after); a later single change is a row of its own. In English and Chinese, axe-clean.
 * Skipped loudly without Chromium, failed under CI.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { ADMIN_PASSWORD, axeViolations, login, settle, startUiLab, type UiLab } from "./harness.js";
import { applyCorp } from "./seed.js";

describeWith(["chromium"], "web UI: the audit log grouped by change", () => {
  let lab: UiLab;
  let page: Page;
  let revision: number;
  beforeAll(async () => {
    lab = await startUiLab({ enroll: false });
    await applyCorp(lab);
    revision = (await lab.api("GET", "/api/v1/audit?kind=Network")).json<{
      items: Array<{ revision: number }>;
    }>().items[0]!.revision;
    const sha = (await lab.api("GET", "/api/v1/nodes/branch-sha")).json<{ spec: Record<string, unknown> }>();
    const put = await lab.api("PUT", "/api/v1/nodes/branch-sha", {
      ...sha,
      spec: { ...sha.spec, description: "Shanghai office" },
    });
    expect(put.status, put.text).toBe(200);
    page = await lab.newPage();
    await login(page, lab.url, "admin", ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  it("one apply of 13 resources is one expandable row", async () => {
    await page.goto(`${lab.url}/audit`);
    await settle(page);
    const rows = page.locator(".ant-table-tbody > tr.ant-table-row-level-0");
    const group = page.locator(`tr[data-revision="${revision}"]`);
    expect(await group.count()).toBe(1);
    expect(await group.innerText()).toContain("13 changes");
    expect(await group.innerText()).toContain(`Revision ${revision}`);
    expect(await group.innerText()).toMatch(/create ×13/);
    // None of the apply's 13 entries is a row of its own; the later update is.
    const texts = await rows.allInnerTexts();
    expect(texts.filter((t) => /Node\/hub-fra|Network\/corp/.test(t))).toEqual([]);
    expect(texts.filter((t) => t.includes("Node/branch-sha"))).toHaveLength(1);

    await group.locator(".ant-table-row-expand-icon").click();
    const inner = page.locator(".ant-table-expanded-row .ant-table-tbody > tr.ant-table-row");
    await expect.poll(() => inner.count()).toBe(13);
    const names = await inner.allInnerTexts();
    for (const n of ["Network/corp", "Node/hub-fra", "Node/hub-sgp", "AccessPolicy/", "EnrollmentPolicy/"]) {
      expect(names.some((t) => t.includes(n))).toBe(true);
    }
    // An entry of the group still opens to its resource before and after.
    const network = inner.filter({ hasText: "Network/corp" });
    await network.locator(".ant-table-row-expand-icon").click();
    await expect.poll(() => page.locator("pre", { hasText: '"cidr"' }).count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);

    // The same in Chinese.
    await page.getByText("中文", { exact: true }).click();
    await expect.poll(() => group.innerText()).toContain("13 项变更");
    expect(await group.innerText()).toContain(`修订版本 ${revision}`);
    expect(await group.innerText()).toContain("创建 ×13");
  }, 90_000);
});
