/**
 * The web UI in a real browser (Debian's Chromium via playwright-core) against a real controller
 * process: sign in; create a network, a hub and a spoke; write an access policy and see the API's
 * validation error for a bad port under the field; open the topology and click through to a node;
 * download an external peer's config (a key placeholder for the apps, no QR code; or for Linux); generate a
 * key pair and decode its QR code to a file whose private key matches the node's new public key;
 * create a join token (shown once) and revoke it; approve one enrollment request and reject
 * another with a reason (both sent by the agent's own client to the enrollment listener), then
 * revoke the approved node;
 * switch to Chinese and back with no untranslated key on any page; a viewer sees no edit controls
 * and the API refuses them; axe-core finds no serious or critical violation on any page.
 * Skipped loudly without Chromium, failed under CI. Runs the build: `npm test` builds first.
 */
import { readFile } from "node:fs/promises";
import jsQR from "jsqr";
import type { Page } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { publicKeyFromPrivate } from "../../src/keys/wgkeys.js";
import { describeWith } from "../../src/testing/prerequisites.js";
import {
  ADMIN_PASSWORD,
  animationsDone,
  axeViolations,
  keyLikeText,
  login,
  missingKeys,
  saveDialogAndExpectUrl,
  settle,
  startUiLab,
  type UiLab,
} from "./harness.js";
import { PENDING_BRANCHES, seedCorp } from "./seed.js";

/** Every page a signed-in admin can open, for the language and accessibility sweeps. */
const PAGES = [
  "/",
  "/networks",
  "/nodes",
  "/nodes/branch-ber",
  "/nodes/laptop-alice",
  "/topology",
  "/enrollments",
  "/join-tokens",
  "/enrollment-policies",
  "/access-policies",
  "/peer-overrides",
  "/audit",
  "/import-export",
  "/users",
  "/api-tokens",
];

/** Decodes the QR code drawn in the canvas under `selector`, from a screenshot of it. */
async function decodeQr(page: Page, selector: string): Promise<string | undefined> {
  await animationsDone(page);
  const png = PNG.sync.read(await page.locator(`${selector} canvas`).screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

/** Browser steps are slow on a shared 2-core machine: generous per-test budgets. */
const STEP = 90_000;
const SWEEP = 300_000;

describeWith(["chromium"], "web UI in a browser", () => {
  let lab: UiLab;
  let page: Page;
  beforeAll(async () => {
    lab = await startUiLab();
    await seedCorp(lab);
    page = await lab.newPage();
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  });

  it(
    "refuses a wrong password under the field, then signs in",
    async () => {
      await page.goto(`${lab.url}/nodes`);
      await page.locator("#name").fill("admin");
      await page.locator("#password").fill("not-the-password");
      await page.locator("button[type=submit]").click();
      await expect
        .poll(() => page.locator("#password_help").innerText())
        .toContain("Wrong user name or password");
      // The button fades while it is busy: check contrast once it is back.
      await page.locator("button[type=submit].ant-btn-loading").waitFor({ state: "detached" });
      expect(await axeViolations(page)).toEqual([]);
      await login(page, lab.url, "admin", ADMIN_PASSWORD);
      expect(await page.locator("h1").innerText()).toBe("Dashboard");
    },
    STEP,
  );

  it(
    "creates a network (showing the API's error under the field first), a hub and a spoke",
    async () => {
      await page.goto(`${lab.url}/networks`);
      await page.getByRole("button", { name: "New network" }).click();
      await page.locator("#name").fill("lab");
      await page.locator("#cidr").fill("10.50.0.0/33");
      await page.getByRole("button", { name: "Save" }).click();
      await expect
        .poll(() =>
          page
            .locator("#cidr_help")
            .innerText()
            .catch(() => ""),
        )
        .toMatch(/\S/);
      await page.locator("#cidr").fill("10.50.0.0/16");
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator("tr.ant-table-row", { hasText: "10.50.0.0/16" }).waitFor();
      expect((await lab.api("GET", "/api/v1/networks/lab")).status).toBe(200);

      const openNodeForm = async () => {
        await page.goto(`${lab.url}/nodes`);
        await page.getByRole("button", { name: "New node" }).click();
      };
      const pick = async (field: string, option: string) => {
        await page.locator(`#${field}`).click();
        await page
          .locator(".ant-select-dropdown:visible .ant-select-item-option", {
            hasText: new RegExp(`^${option}$`),
          })
          .click();
      };
      /** The chosen values a select shows, as the user reads them. */
      const shown = async (field: string) =>
        (await page.locator(".ant-select", { has: page.locator(`#${field}`) }).innerText())
          .split("\n")
          .map((line) => line.trim())
          .filter(Boolean);
      await openNodeForm();
      await page.locator("#name").fill("hub-1");
      await pick("network", "lab");
      await pick("role", "Hub");
      await page.locator("#endpoint").fill("203.0.113.50:51820");
      await saveDialogAndExpectUrl(page, /\/nodes\/hub-1$/);
      await openNodeForm();
      await page.locator("#name").fill("site-1");
      await pick("network", "lab");
      await pick("hubs", "hub-1");
      // Close the hubs list by going to the next field, as a user does (Escape could reach the dialog).
      await page.locator("#subnets").click();
      await page.locator("#subnets").fill("10.60.1.0/24");
      await page.keyboard.press("Enter");
      // Each pick is on screen before saving, so a lost keystroke fails here and says which.
      await expect.poll(() => page.locator("#name").inputValue()).toBe("site-1");
      await expect.poll(() => shown("network")).toEqual(["lab"]);
      await expect.poll(() => shown("hubs")).toEqual(["hub-1"]);
      await expect.poll(() => shown("subnets")).toEqual(["10.60.1.0/24"]);
      await saveDialogAndExpectUrl(page, /\/nodes\/site-1$/);
      await page.getByRole("link", { name: "1. hub-1" }).waitFor();
      const site = (await lab.api("GET", "/api/v1/nodes/site-1")).json<{
        spec: { hubs: string[]; subnets: string[] };
      }>();
      expect(site.spec).toMatchObject({ hubs: ["hub-1"], subnets: ["10.60.1.0/24"] });
    },
    STEP,
  );

  it(
    "writes an access policy: a bad port is flagged under its field as you type, a good one saves",
    async () => {
      await page.goto(`${lab.url}/access-policies`);
      await page.getByRole("button", { name: "New policy" }).click();
      const drawer = page.locator(".ant-drawer");
      await drawer.locator("#name").fill("lab-web");
      await drawer.locator("#network").click();
      await page
        .locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^lab$/ })
        .click();
      await drawer.locator("#rules_0_from_nodes").fill("site-1");
      await page.keyboard.press("Enter");
      await drawer.locator("#rules_0_to_nodes").fill("hub-1");
      await page.keyboard.press("Enter");
      await drawer.locator("#rules_0_ports").fill("tcp/99999");
      await page.keyboard.press("Enter");
      const portsHelp = drawer.locator("#rules_0_ports_help");
      await expect
        .poll(() => portsHelp.innerText().catch(() => ""), { timeout: 10_000 })
        .toContain("ports must be 1–65535");
      expect(await axeViolations(page)).toEqual([]);
      // Replace the bad port: the check passes and the error goes.
      await drawer.locator("#rules_0_ports").press("Backspace");
      await drawer.locator("#rules_0_ports").fill("tcp/443");
      await page.keyboard.press("Enter");
      await expect
        .poll(() => drawer.getByTestId("policy-check").innerText(), { timeout: 10_000 })
        .toMatch(/^Valid/);
      await expect.poll(() => portsHelp.count()).toBe(0);
      await drawer.getByRole("button", { name: "Save" }).click();
      await page.locator("tr.ant-table-row", { hasText: "lab-web" }).waitFor();
      const saved = (await lab.api("GET", "/api/v1/access-policies/lab-web")).json<{
        spec: { rules: unknown[] };
      }>();
      expect(saved.spec.rules).toEqual([
        { from: { nodes: ["site-1"] }, to: { nodes: ["hub-1"] }, ports: ["tcp/443"], action: "allow" },
      ]);
    },
    STEP,
  );

  it(
    "draws the topology and clicks through to a node",
    async () => {
      await page.goto(`${lab.url}/topology`);
      await page.getByRole("combobox", { name: "Network" }).click();
      await page
        .locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^lab$/ })
        .click();
      await expect
        .poll(() => page.getByTestId("topology-graph").getAttribute("aria-label"))
        .toMatch(/^2 nodes, 1 links/);
      const graph = page.getByTestId("topology-graph");
      const at = await graph.evaluate((el) => {
        const cy = (
          el as HTMLElement & {
            cy: { getElementById(id: string): { renderedPosition(): { x: number; y: number } } };
          }
        ).cy;
        return cy.getElementById("hub-1").renderedPosition();
      });
      const box = (await graph.boundingBox())!;
      await page.mouse.click(box.x + at.x, box.y + at.y);
      await page.waitForURL(/\/nodes\/hub-1$/);
    },
    STEP,
  );

  it(
    "offers an external peer's file with a key placeholder (no QR code) or for Linux; the generated pair's QR code decodes to a file with the private key",
    async () => {
      await page.goto(`${lab.url}/nodes/laptop-alice`);
      const shown = page.getByTestId("wgquick-text");
      await shown.waitFor();
      // For WireGuard's apps: a PrivateKey line to paste over, and no QR code (it could not work).
      const app = (await lab.api("GET", "/api/v1/nodes/laptop-alice/wg-quick?privateKey=placeholder")).text;
      expect(app).toMatch(/^PrivateKey = <paste this device's private key here>$/m);
      await expect.poll(async () => (await shown.innerText()).trimEnd()).toBe(app.trimEnd());
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Download .conf" }).click(),
      ]);
      expect(await readFile((await download.path())!, "utf8")).toBe(app);
      expect(await page.locator("[data-testid=wgquick-qr]").count()).toBe(0);
      // For Linux wg-quick: the key from a file.
      await page.getByText("Linux wg-quick (key file)").click();
      const linux = (await lab.api("GET", "/api/v1/nodes/laptop-alice/wg-quick")).text;
      expect(linux).toMatch(/^PostUp = wg set %i private-key /m);
      await expect.poll(async () => (await shown.innerText()).trimEnd()).toBe(linux.trimEnd());
      expect(await page.locator("[data-testid=wgquick-qr]").count()).toBe(0);

      await page.getByRole("button", { name: "Generate a key pair and QR code…" }).click();
      const confirm = page.locator(".ant-modal", { hasText: "Generate a key pair on the controller" });
      await expect.poll(() => confirm.getByRole("button", { name: "Generate" }).isDisabled()).toBe(true);
      await confirm.getByRole("checkbox").check();
      await confirm.getByRole("button", { name: "Generate" }).click();
      const generated = page.getByTestId("generated-text");
      await generated.waitFor();
      const text = await generated.innerText();
      expect(text).toMatch(/^PrivateKey = \S+$/m);
      const qr = await decodeQr(page, "[data-testid=generated-qr]");
      expect(qr?.trimEnd()).toBe(text.trimEnd());
      // The file the QR code holds works in the app: its private key is the node's new public key's.
      const scanned = qr!.match(/^PrivateKey = (\S+)$/m)![1]!;
      expect(qr).not.toMatch(/PostUp/);
      const node = (await lab.api("GET", "/api/v1/nodes/laptop-alice")).json<{
        spec: { publicKey: string };
      }>();
      expect(node.spec.publicKey).not.toBe("OPvioWNBC/bD7b4VreblFqIKxIhpPM6wNGdwD+A6hxk=");
      expect(publicKeyFromPrivate(scanned)).toBe(node.spec.publicKey);
      await page.getByRole("button", { name: "Done" }).click();
      // Gone from the page, not just hidden: the private key must not linger in the DOM.
      await expect
        .poll(() => page.locator("body").innerHTML())
        .not.toContain(text.match(/^PrivateKey = (\S+)$/m)![1]);
    },
    STEP,
  );

  it(
    "creates a join token, shows it once with a copy button, and revokes it",
    async () => {
      type Listed = { items: Array<{ id: string; policy: string; revokedAt: string | null }> };
      const before = new Set(
        (await lab.api("GET", "/api/v1/join-tokens")).json<Listed>().items.map((j) => j.id),
      );
      await page.goto(`${lab.url}/join-tokens`);
      await page.getByRole("button", { name: "New join token" }).click();
      const modal = page.locator(".ant-modal", { hasText: "New join token" });
      await modal.locator("#policy").click();
      await page
        .locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^branches / })
        .click();
      await modal.locator("#ttl").fill("2h");
      await modal.locator("#uses").fill("3");
      await modal.getByRole("button", { name: "Create" }).click();
      const secret = page.getByTestId("secret-once");
      await secret.waitFor();
      expect(await secret.innerText()).toMatch(/^hwjoin1\.[A-Za-z0-9_-]+/);
      expect(await secret.locator(".ant-typography-copy").count()).toBe(1);
      // Ready-to-paste commands for the node, with this token in a file (never on argv).
      const install = await page.getByTestId("install-commands").innerText();
      expect(install).toContain(`'${(await secret.innerText()).trim()}' > token`);
      expect(install).toMatch(/hubwire join --token-file token --key-file key --name NODE-NAME/);
      expect(install).not.toMatch(/--token [^-]/);
      await page.getByRole("button", { name: "Done" }).click();
      await expect.poll(() => page.locator("body").innerText()).not.toContain("hwjoin1.");
      const created = (await lab.api("GET", "/api/v1/join-tokens"))
        .json<Listed>()
        .items.filter((j) => !before.has(j.id));
      expect(created).toEqual([expect.objectContaining({ policy: "branches", revokedAt: null })]);
      const id = created[0]!.id;
      const row = page.locator("tr.ant-table-row", { hasText: id });
      expect(await row.innerText()).toContain("0 / 3");
      await row.getByRole("button", { name: "Revoke" }).click();
      await page.locator(".ant-popconfirm").getByRole("button", { name: "Revoke" }).click();
      await row.getByText("Revoked").waitFor();
      const after = (await lab.api("GET", "/api/v1/join-tokens"))
        .json<Listed>()
        .items.find((j) => j.id === id);
      expect(after?.revokedAt).toEqual(expect.any(String));
    },
    STEP,
  );

  it(
    "approves a pending enrollment, rejects one with a reason, revokes the approved node; the API agrees",
    async () => {
      type Got = { status?: { state?: string; reason?: string; decidedBy?: string } };
      const stateOf = async (name: string) =>
        (await lab.api("GET", `/api/v1/enrollments/${name}`)).json<Got>().status;
      const pending = (await lab.api("GET", "/api/v1/enrollments?state=Pending")).json<{
        items: Array<{ metadata: { name: string } }>;
      }>();
      expect(pending.items.map((e) => e.metadata.name).sort()).toEqual(PENDING_BRANCHES.map((b) => b.name));
      const [approved, rejected] = PENDING_BRANCHES.map((b) => b.name) as [string, string];
      await page.goto(`${lab.url}/enrollments`);
      const row = page.locator("tr.ant-table-row", { hasText: approved });
      await row.locator(".ant-table-row-expand-icon").click();
      const details = page.locator(".ant-descriptions", { hasText: "Public key" });
      await details.waitFor();
      const shown = await details.innerText();
      // Every field the controller checked, as the agent sent it.
      expect(shown).toContain("198.51.100.40:51820");
      expect(shown).toContain("10.64.12.0/24");
      expect(shown).toMatch(/proof-of-possession/);
      await row.getByRole("button", { name: "Approve" }).click();
      await expect.poll(async () => (await stateOf(approved))?.state).toBe("Approved");
      expect((await stateOf(approved))?.decidedBy).toBe("user:admin");
      expect((await lab.api("GET", `/api/v1/nodes/${approved}`)).status).toBe(200);
      // Approved requests leave the Pending tab.
      await expect.poll(() => page.locator("tr.ant-table-row", { hasText: approved }).count()).toBe(0);

      await page
        .locator("tr.ant-table-row", { hasText: rejected })
        .getByRole("button", { name: "Reject" })
        .click();
      const modal = page.locator(".ant-modal", { hasText: `Reject ${rejected}` });
      await modal.getByRole("button", { name: "Reject" }).click();
      await modal.getByText("Give a reason").waitFor();
      await modal.locator("#reason").fill("not one of our branches");
      await modal.getByRole("button", { name: "Reject" }).click();
      await expect.poll(async () => (await stateOf(rejected))?.state).toBe("Rejected");
      expect((await stateOf(rejected))?.reason).toBe("not one of our branches");
      expect((await lab.api("GET", `/api/v1/nodes/${rejected}`)).status).toBe(404);
      await page.getByRole("tab", { name: "Rejected" }).click();
      await page.locator("tr.ant-table-row", { hasText: rejected }).waitFor();

      // A node declared in YAML has no enrollment, so nothing to revoke: no button for it.
      await page.goto(`${lab.url}/nodes/branch-ber`);
      await page.locator("main").getByRole("button", { name: "Edit" }).waitFor();
      await settle(page);
      expect(await page.locator("main").getByRole("button", { name: "Revoke" }).count()).toBe(0);
      // The approved node can be revoked from its page: its enrollment says so.
      await page.goto(`${lab.url}/nodes/${approved}`);
      await page.locator("main").getByRole("button", { name: "Revoke" }).click();
      const revoke = page.locator(".ant-modal", { hasText: `Revoke node ${approved}` });
      await revoke.getByRole("textbox", { name: "Reason" }).fill("branch closed");
      await revoke.getByRole("button", { name: "Revoke" }).click();
      await expect.poll(async () => (await stateOf(approved))?.state).toBe("Revoked");
      expect((await stateOf(approved))?.reason).toBe("branch closed");
    },
    STEP,
  );

  it(
    "switches to Chinese (remembered for the user) and back; no page shows an untranslated key; axe finds nothing serious",
    async () => {
      await page.goto(`${lab.url}/`);
      await page.getByText("中文", { exact: true }).click();
      await expect.poll(() => page.locator("h1").innerText()).toBe("概览");
      await expect
        .poll(
          async () =>
            (await lab.api("GET", "/api/v1/users"))
              .json<{ items: Array<{ name: string; language: string }> }>()
              .items.find((u) => u.name === "admin")?.language,
        )
        .toBe("zh-CN");
      await page.reload();
      await expect.poll(() => page.locator("h1").innerText()).toBe("概览");
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
      const problems: string[] = [];
      for (const lang of ["zh-CN", "en"]) {
        for (const path of PAGES) {
          await page.goto(`${lab.url}${path}`);
          await settle(page);
          for (const key of await keyLikeText(page)) problems.push(`${lang} ${path}: shows ${key}`);
          for (const v of await axeViolations(page)) problems.push(`${lang} ${path}: ${v}`);
          for (const key of await missingKeys(page)) problems.push(`${lang} ${path}: missing key ${key}`);
          if (lang === "zh-CN") {
            // The navigation is translated on every page, whatever the page shows.
            expect(await page.locator("nav").innerText()).toContain("节点");
            // Audit action codes are translated too (the seed's apply is a `create`).
            if (path === "/audit") expect(await page.locator("main").innerText()).toContain("创建");
          }
        }
        if (lang === "zh-CN") {
          await page.getByText("English", { exact: true }).click();
          await expect.poll(() => page.locator("nav").innerText()).toContain("Nodes");
        }
      }
      expect(problems).toEqual([]);
    },
    SWEEP,
  );

  it(
    "gives a viewer no edit controls, and the API refuses a viewer's change anyway",
    async () => {
      await page.getByRole("button", { name: /Sign out|退出登录/ }).click();
      await login(page, lab.url, "vera", "viewer-password-0123");
      // vera's stored language is Chinese.
      await expect.poll(() => page.locator("h1").innerText()).toBe("概览");
      const editLabels = /新建|编\s?辑|删\s?除|吊\s?销|批\s?准|拒\s?绝|生成|导\s?入/;
      for (const path of [
        "/networks",
        "/nodes",
        "/nodes/branch-ber",
        "/nodes/laptop-alice",
        "/access-policies",
        "/enrollments",
        "/join-tokens",
        "/import-export",
      ]) {
        await page.goto(`${lab.url}${path}`);
        await settle(page);
        const buttons = await page.locator("main button").allInnerTexts();
        expect(
          buttons.filter((b) => editLabels.test(b)),
          `${path}: ${buttons.join(", ")}`,
        ).toEqual([]);
      }
      expect(await page.locator("nav").innerText()).not.toContain("用户");
      const status = await page.evaluate(async () => {
        const r = await fetch("/api/v1/networks", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-csrf-token": sessionStorage.getItem("hubwire.csrf") ?? "",
          },
          body: JSON.stringify({
            apiVersion: "hubwire/v1",
            kind: "Network",
            metadata: { name: "sneaky" },
            spec: { cidr: "10.99.0.0/16" },
          }),
        });
        return r.status;
      });
      expect(status).toBe(403);
      expect((await lab.api("GET", "/api/v1/networks/sneaky")).status).toBe(404);

      // A language picked on the sign-in page becomes the user's stored preference.
      await page.getByRole("button", { name: /Sign out|退出登录/ }).click();
      await page.getByText("English", { exact: true }).click();
      await login(page, lab.url, "vera", "viewer-password-0123");
      await expect.poll(() => page.locator("h1").innerText()).toBe("Dashboard");
      const users = (await lab.api("GET", "/api/v1/users")).json<{
        items: Array<{ name: string; language: string }>;
      }>();
      expect(users.items.find((u) => u.name === "vera")?.language).toBe("en");
    },
    STEP,
  );
});
