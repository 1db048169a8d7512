/**
 * A node created in the UI can be joined by its agent with no flags beyond the token, key and
 * name (issue 15): IPAM allocates its tunnel address inside the tunnel-address prefixes of the
 * enrollment policy it will join under (corp's `edge`: 10.100.2.0/24), never an x.y.z.0 or .255
 * address, so the join is not refused with `address-not-allowed`. The join is the real CLI binary
 * (`hubwire keygen`, `hubwire join`) against the controller's enrollment listener; the browser
 * then shows the key the agent brought. Runs the build: `npm test` builds first.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/bench/api-controller.js";
import { publicKeyFromPrivate } from "../../src/keys/wgkeys.js";
import { describeWith } from "../../src/testing/prerequisites.js";
import { createJoinToken } from "./agents.js";
import { ADMIN_PASSWORD, login, settle, startUiLab, type UiLab } from "./harness.js";
import { applyCorp } from "./seed.js";

const run = promisify(execFile);

async function hubwire(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, "bin", "hubwire.js"), ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describeWith(["chromium"], "a node created in the UI joins with `hubwire join` and no extra flags", () => {
  let lab: UiLab;
  let page: Page;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hubwire-join-"));
    lab = await startUiLab();
    await applyCorp(lab);
    page = await lab.newPage();
    await login(page, lab.url, "admin", ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("creates edge-ams in the browser, then joins it from the command line", async () => {
    await page.goto(`${lab.url}/nodes`);
    await page.getByRole("button", { name: "New node" }).click();
    await page.locator("#name").fill("edge-ams");
    await page.locator("#network").click();
    await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^corp$/ }).click();
    await page.locator("#hubs").click();
    await page
      .locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^hub-fra$/ })
      .click();
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/\/nodes\/edge-ams$/);

    const created = (await lab.api("GET", "/api/v1/nodes/edge-ams")).json<{
      spec: { tunnelAddress: string; publicKey?: string };
    }>();
    // Inside the `edge` policy's 10.100.2.0/24, a host address people read as one.
    expect(created.spec.tunnelAddress).toMatch(/^10\.100\.2\.(\d+)$/);
    const last = Number(created.spec.tunnelAddress.split(".")[3]);
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(255);
    expect(created.spec.publicKey).toBeUndefined();

    const keygen = await hubwire(["keygen"]);
    expect(keygen.code, keygen.stderr).toBe(0);
    await writeFile(join(dir, "key"), keygen.stdout, { mode: 0o600 });
    await writeFile(join(dir, "token"), await createJoinToken(lab, "edge", 1), { mode: 0o600 });
    const joined = await hubwire([
      "join",
      "--token-file",
      join(dir, "token"),
      "--key-file",
      join(dir, "key"),
      "--name",
      "edge-ams",
    ]);
    expect(joined.code, `${joined.stdout}\n${joined.stderr}`).toBe(0);
    expect(JSON.parse(joined.stdout)).toMatchObject({ state: "Approved" });

    const after = (await lab.api("GET", "/api/v1/nodes/edge-ams")).json<{
      spec: { tunnelAddress: string; publicKey: string };
    }>();
    const publicKey = publicKeyFromPrivate(keygen.stdout.trim());
    expect(after.spec).toMatchObject({ tunnelAddress: created.spec.tunnelAddress, publicKey });
    await page.reload();
    await settle(page);
    await expect.poll(() => page.locator("main").innerText()).toContain(publicKey);
  }, 120_000);
});
