/**
 * A controller started without `--enroll-listen` cannot make join tokens (the API answers 400):
 * the join-token dialog says so in the user's language, with what to do, and nothing is created.
 * Skipped loudly without Chromium, failed under CI.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { ADMIN_PASSWORD, animationsDone, axeViolations, login, startUiLab, type UiLab } from "./harness.js";
import { applyCorp } from "./seed.js";

describeWith(["chromium"], "web UI on a controller without an enrollment listener", () => {
  let lab: UiLab;
  let page: Page;
  beforeAll(async () => {
    lab = await startUiLab({ enroll: false });
    await applyCorp(lab);
    page = await lab.newPage();
    await login(page, lab.url, "admin", ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  it("explains the API's 400 in the join-token dialog and creates nothing", async () => {
    const direct = await lab.api("POST", "/api/v1/join-tokens", { policy: "branches" });
    expect(direct.status).toBe(400);
    expect(direct.text).toContain("--enroll-listen");

    await page.goto(`${lab.url}/join-tokens`);
    await page.getByRole("button", { name: "New join token" }).click();
    const modal = page.locator(".ant-modal", { hasText: "New join token" });
    await modal.locator("#policy").click();
    await page
      .locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^branches / })
      .click();
    await modal.getByRole("button", { name: "Create" }).click();
    const alert = modal.getByRole("alert");
    await expect
      .poll(() => alert.innerText().catch(() => ""))
      .toContain("This controller has no enrollment listener");
    expect(await alert.innerText()).toContain("--enroll-listen ADDR:PORT");
    expect(await alert.innerText()).toContain("bad-request");
    await animationsDone(page);
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.getByTestId("secret-once").count()).toBe(0);
    const listed = (await lab.api("GET", "/api/v1/join-tokens")).json<{ items: unknown[] }>();
    expect(listed.items).toEqual([]);

    // The same in Chinese.
    await modal.getByRole("button", { name: "Cancel" }).click();
    await page.getByText("中文", { exact: true }).click();
    await page.getByRole("button", { name: "新建入网令牌" }).click();
    const zh = page.locator(".ant-modal", { hasText: "新建入网令牌" });
    await zh.locator("#policy").click();
    await page
      .locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^branches / })
      .click();
    await zh
      .getByRole("button", { name: "创 建" })
      .or(zh.getByRole("button", { name: "创建" }))
      .click();
    await expect
      .poll(() =>
        zh
          .getByRole("alert")
          .innerText()
          .catch(() => ""),
      )
      .toContain("此控制器未开启入网监听");
  }, 90_000);
});
