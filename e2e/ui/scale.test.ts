/**
 * The nodes page with 10,000 nodes in the database (applied in bulk through the public API):
 * prints how long the browser takes to show the first rows — measured and reported, not
 * asserted, since timings on a shared machine are not a pass/fail matter (see SPEC §10).
 * Checks that the first page is there and that the next page is the next 50 names.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { buildIntent } from "../../src/testing/topology.js";
import { ADMIN_PASSWORD, login, startUiLab, type UiLab } from "./harness.js";

const NODES = 10_000;

describeWith(["chromium"], "web UI nodes page with 10,000 nodes", () => {
  let lab: UiLab;
  beforeAll(async () => {
    lab = await startUiLab();
    const { resources } = buildIntent({ spokes: NODES - 2, hubs: 2 });
    await lab.apply(resources);
  }, 300_000);
  afterAll(async () => {
    await lab?.close();
  });

  it("shows the first rows, and pages through the server's cursor", async () => {
    const page = await lab.newPage();
    await login(page, lab.url, "admin", ADMIN_PASSWORD);
    const rows = page.locator("[data-testid=nodes-table] tr.ant-table-row");
    const measure = async (what: string, go: () => Promise<unknown>) => {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        await page.goto(`${lab.url}/`);
        await page.locator("h1").waitFor();
        const started = performance.now();
        await go();
        await rows.first().waitFor();
        runs.push(performance.now() - started);
      }
      const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
      process.stdout.write(
        `MEASURE web UI nodes page, ${NODES.toLocaleString("en")} nodes, ${what}: first rows after ${median.toFixed(0)} ms (median of ${runs.length}: ${runs.map((r) => r.toFixed(0)).join(", ")} ms)\n`,
      );
    };
    await measure("full page load", () => page.goto(`${lab.url}/nodes`));
    await measure("from the menu", () => page.getByRole("link", { name: "Nodes", exact: true }).click());
    expect(await rows.count()).toBe(50);
    // The first cell is the bulk-select checkbox; the name is the second.
    const firstPage = await rows.locator("td:nth-child(2)").allInnerTexts();
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByText("Page 2").waitFor();
    await expect
      .poll(async () => (await rows.locator("td:nth-child(2)").allInnerTexts())[0])
      .not.toBe(firstPage[0]);
    const secondPage = await rows.locator("td:nth-child(2)").allInnerTexts();
    expect(secondPage).toHaveLength(50);
    expect(secondPage[0]! > firstPage[49]!).toBe(true);
  }, 180_000);
});
