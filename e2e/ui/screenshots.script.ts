/**
 * `npm run screenshots`: every page of the UI in English and Chinese, as PNGs
 * in docs/screenshots/, taken from a real controller seeded with examples/corp,
 * two enrollment requests waiting for approval, and enrolled agents reporting
 * live status (see seed.ts and live.ts); for the pages that would otherwise be empty, a
 * rejected enrollment (the Reset button) and a peer override (see extras()).
 * Run it after UI changes and commit the pictures.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { it } from "vitest";
import { REPO_ROOT } from "../../src/bench/api-controller.js";
import { createJoinToken, enrollNode } from "./agents.js";
import { ADMIN_PASSWORD, login, settle, startUiLab, type UiLab } from "./harness.js";
import { type LiveAgents, startLiveAgents } from "./live.js";
import { seedCorp } from "./seed.js";

const OUT = join(REPO_ROOT, "docs", "screenshots");

/** Page name → how to get there (after signing in). */
const PAGES: Array<[string, string, ((page: import("playwright-core").Page) => Promise<void>)?]> = [
  ["dashboard", "/"],
  ["networks", "/networks"],
  ["nodes", "/nodes"],
  ["node-detail", "/nodes/edge-a"],
  [
    "node-compiled",
    "/nodes/branch-sha",
    async (p) => {
      // The card's title at the top of the window: its interfaces and routes below it.
      await p
        .getByRole("heading", { name: /Compiled configuration|编译后的配置/ })
        .evaluate((h) => h.scrollIntoView({ block: "start" }));
    },
  ],
  [
    "external-peer",
    "/nodes/laptop-alice",
    async (p) => {
      await p.getByTestId("wgquick-text").scrollIntoViewIfNeeded();
    },
  ],
  [
    "enrollments",
    "/enrollments",
    async (p) => {
      // The Pending tab, with the first request's checked fields open.
      await p.locator(".ant-table-row-expand-icon").first().click();
    },
  ],
  [
    "enrollments-bulk-approve",
    "/enrollments",
    async (p) => {
      // Both pending requests selected: the bulk approve button counts them (not clicked).
      await p.locator(".ant-table-thead .ant-checkbox-input").check();
    },
  ],
  [
    "enrollments-reset",
    "/enrollments",
    async (p) => {
      // Every state, with the rejected request's Reset confirmation open.
      await p.getByRole("tab", { name: /^(All|全部)$/ }).click();
      await settle(p);
      await p
        .getByRole("button", { name: /Reset|重置/ })
        .first()
        .click();
    },
  ],
  ["enrollment-policies", "/enrollment-policies"],
  ["join-tokens", "/join-tokens"],
  ["peer-overrides", "/peer-overrides"],
  [
    "access-policies",
    "/access-policies",
    async (p) => {
      await p.locator(".ant-table-row-expand-icon").first().click();
    },
  ],
  [
    "access-policy-editor",
    "/access-policies",
    async (p) => {
      await p
        .locator("tr.ant-table-row")
        .first()
        .getByRole("button", { name: /Edit|编\s?辑/ })
        .click();
      await p
        .getByTestId("policy-check")
        .locator(".ant-alert")
        .waitFor({ timeout: 5000 })
        .catch(() => undefined);
    },
  ],
  ["topology", "/topology"],
  ["audit", "/audit"],
  [
    "import-export",
    "/import-export",
    async (p) => {
      await p
        .locator("textarea")
        .fill(
          "name,network,role,subnets,hubs\nbranch-muc,corp,spoke,10.64.20.0/24,hub-fra\nbranch-bad,corp,spoke,10.64.21.0/33,hub-fra\n",
        );
      await p
        .locator("button")
        .filter({ hasText: /Check|校验/ })
        .click();
    },
  ],
  ["users", "/users"],
  ["api-tokens", "/api-tokens"],
];

/**
 * A request that was rejected (so the Enrollments page has a Reset button to show) and an
 * emergency peer override (so its page is not empty), both made through the public API.
 */
async function extras(lab: UiLab): Promise<void> {
  const token = await createJoinToken(lab, "branches", 1);
  const { result } = await enrollNode(token, "branch-kbp", {
    endpoint: "198.51.100.42:51820",
    subnets: ["10.64.14.0/24"],
  });
  if (result.state !== "Pending") throw new Error(`branch-kbp is ${result.state}, expected Pending`);
  const rejected = await lab.api("POST", "/api/v1/enrollments/branch-kbp/reject", {
    reason: "no branch in Kyiv yet",
  });
  if (rejected.status !== 200) throw new Error(`reject: ${rejected.status} ${rejected.text}`);
  const override = await lab.api("POST", "/api/v1/apply", {
    items: [
      {
        apiVersion: "hubwire/v1",
        kind: "PeerOverride",
        metadata: { name: "sgp-maintenance" },
        spec: {
          network: "corp",
          peer: "hub-sgp",
          nodes: ["branch-sha"],
          endpoint: "203.0.113.21:51820",
          reason: "hub-sgp's public address moves during the maintenance window",
        },
      },
    ],
  });
  if (override.status !== 200) throw new Error(`peer override: ${override.status} ${override.text}`);
}

it("takes screenshots of every page in both languages", async () => {
  await mkdir(OUT, { recursive: true });
  const lab = await startUiLab({ viewport: { width: 1366, height: 860 } });
  let live: LiveAgents | undefined;
  try {
    await seedCorp(lab);
    await extras(lab);
    live = await startLiveAgents(lab);
    for (const lang of ["en", "zh-CN"] as const) {
      const suffix = lang === "en" ? "en" : "zh";
      const page = await lab.newPage();
      await lab.api("PATCH", "/api/v1/users/admin", { language: lang });
      await page.goto(`${lab.url}/`);
      await page.evaluate((l) => localStorage.setItem("hubwire.language", l), lang);
      await page.reload();
      await settle(page);
      await page.screenshot({ path: join(OUT, `login-${suffix}.png`) });
      await login(page, lab.url, "admin", ADMIN_PASSWORD);
      for (const [name, path, prepare] of PAGES) {
        await page.goto(`${lab.url}${path}`);
        await settle(page);
        if (prepare) {
          await prepare(page);
          await settle(page);
        }
        await page.screenshot({ path: join(OUT, `${name}-${suffix}.png`) });
      }
      await page.getByRole("button", { name: /Sign out|退出登录/ }).click();
      await page.close();
    }
  } finally {
    live?.stop();
    await lab.close();
  }
});
