/**
 * Live status in the UI from real agents' data: nodes enroll through the enrollment listener with
 * the agent's own client (a hub through an auto-approving policy added here, three edge boxes
 * through the corp example's `edge` policy), fetch their desired state from `GET /agent/v1/config`
 * and report per-peer handshakes and byte counters with `ConfigClient.report`, every 4 s as agents
 * do (one edge box never reports). The browser then shows what the controller made of it: the
 * dashboard's counts, hubs and traffic, the nodes table's states and its state filter, a node's
 * peers with handshake age and bytes and its traffic chart, and the topology's link colors.
 * Nothing is faked: the only stand-in is the data plane, whose counters the test chooses.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWith } from "../../src/testing/prerequisites.js";
import { ADMIN_PASSWORD, axeViolations, login, settle, startUiLab, type UiLab } from "./harness.js";
import { GiB, type LiveAgents, startLiveAgents } from "./live.js";
import { seedCorp } from "./seed.js";

describeWith(["chromium"], "web UI with live status from enrolled, reporting agents", () => {
  let lab: UiLab;
  let page: Page;
  let live: LiveAgents | undefined;
  beforeAll(async () => {
    lab = await startUiLab();
    await seedCorp(lab);
    live = await startLiveAgents(lab);
    page = await lab.newPage();
    await login(page, lab.url, "admin", ADMIN_PASSWORD);
  }, 180_000);
  afterAll(async () => {
    live?.stop();
    await lab?.close();
  });

  it("the API agrees with what the agents reported", async () => {
    const overview = (await lab.api("GET", "/api/v1/overview")).json<{
      nodes: { total: number; online: number; byRole: Record<string, { online: number; offline: number }> };
      traffic: { rxBytes: number };
      hubs: Array<{ name: string; online: boolean; peers: number; peersWithRecentHandshake: number }>;
    }>();
    expect(overview.nodes).toMatchObject({ total: 11, online: 3 });
    expect(overview.nodes.byRole.hub).toEqual({ online: 1, offline: 2 });
    expect(overview.traffic.rxBytes).toBe(5 * GiB);
    expect(overview.hubs.find((h) => h.name === "hub-lon")).toMatchObject({
      online: true,
      peers: 2,
      peersWithRecentHandshake: 1,
    });
  });

  it("shows counts, states, peers with handshake age and bytes, the traffic chart and link health", async () => {
    const main = page.locator("main");
    await page.goto(`${lab.url}/`);
    await settle(page);
    await expect.poll(() => main.innerText()).toContain("5 GiB");
    const dashboard = await main.innerText();
    expect(dashboard).toMatch(/Nodes\s+11/);
    expect(dashboard).toMatch(/Online\s+3/);
    expect(dashboard).toMatch(/Offline\s+8/);
    const hubRow = await page.locator("tr[data-row-key=hub-lon]").innerText();
    expect(hubRow).toContain("Online");
    expect(hubRow).toContain("1 / 2");
    // The agents coming online are recent events.
    expect(dashboard).toMatch(/node-online\s+Node\/edge-a/);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${lab.url}/nodes`);
    await settle(page);
    const row = (name: string) => page.locator("[data-testid=nodes-table] tr", { hasText: name }).innerText();
    expect(await row("edge-a")).toContain("Online");
    expect(await row("hub-lon")).toContain("Online");
    // Known to the controller, but no agent ever reported: not the same as offline.
    expect(await row("edge-c")).toContain("Never reported");
    expect(await row("branch-ber")).toContain("Never reported");
    // The state filter lists from live status.
    await page.getByRole("combobox", { name: "State" }).click();
    await page
      .locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: /^Online$/ })
      .click();
    await expect
      .poll(async () =>
        (await page.locator("[data-testid=nodes-table] tr.ant-table-row").allInnerTexts()).map(
          (t) => t.trim().split(/\s/)[0], // the row starts with its bulk-select checkbox cell
        ),
      )
      .toEqual(["edge-a", "edge-b", "hub-lon"]);

    await page.goto(`${lab.url}/nodes/edge-a`);
    await settle(page);
    const peer = (name: string) =>
      page.locator("[data-testid=node-peers] tr", { hasText: name }).last().innerText();
    await expect.poll(() => peer("hub-sgp")).toContain("15 minutes ago");
    expect(await peer("hub-sgp")).toContain("768 MiB");
    expect(await peer("hub-fra")).toMatch(/\d+ seconds ago/);
    expect(await peer("hub-fra")).toContain("2 GiB");
    await page.getByRole("img", { name: /Traffic chart with \d+ samples?/ }).waitFor();
    expect(
      await page
        .getByRole("img", { name: /Traffic chart with \d+ samples?/ })
        .locator("canvas")
        .count(),
    ).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${lab.url}/topology`);
    await settle(page);
    // Healthy: edge-a–hub-fra, edge-b–hub-fra, edge-b–hub-sgp, hub-fra–hub-lon (hub-lon's report).
    // Down: edge-a–hub-sgp (15 minutes), hub-lon–hub-sgp (never). The rest never reported.
    await expect
      .poll(() => page.getByTestId("topology-graph").getAttribute("aria-label"))
      .toMatch(/^11 nodes, \d+ links \(4 healthy, 0 degraded, 2 down\)/);
    expect(live!.loop.errors()).toEqual([]);
  }, 180_000);
});
