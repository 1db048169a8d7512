/**
 * Failover in the UI (issue 10): two hubs and three spokes enroll with the agent's own client and
 * report the way failover agents do — handshakes, probed link health (state, round trip, loss) and
 * the hub carrying each spoke. site-2's primary uplink is down, so it reports hub-b as active; the
 * controller attaches it there once hub-b's own report has a fresh handshake with it. The browser
 * then shows it: the node page's active hub and each link's health, the hubs' spoke counts, and
 * the topology's bold active vs dashed backup uplinks with their colors. Nothing is faked but the
 * data plane, whose figures the test chooses.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { LinkReport } from "../../src/model/index.js";
import { describeWith } from "../../src/testing/prerequisites.js";
import { createJoinToken, enrollNode, type FailoverReport, type PeerCounters, TestAgent } from "./agents.js";
import { ADMIN_PASSWORD, axeViolations, login, settle, startUiLab, type UiLab } from "./harness.js";

const SPOKES = ["site-1", "site-2", "site-3"] as const;
const HUBS = ["hub-a", "hub-b"] as const;

const INTENT = [
  {
    apiVersion: "hubwire/v1",
    kind: "Network",
    metadata: { name: "wan" },
    spec: { cidr: "10.200.0.0/16" },
  },
  {
    apiVersion: "hubwire/v1",
    kind: "EnrollmentPolicy",
    metadata: { name: "dcs" },
    spec: {
      network: "wan",
      role: "hub",
      nodeNames: ["hub-*"],
      tunnelAddressPrefixes: ["10.200.0.0/24"],
      endpointPrefixes: ["203.0.113.0/24"],
      approval: "auto",
    },
  },
  {
    apiVersion: "hubwire/v1",
    kind: "EnrollmentPolicy",
    metadata: { name: "sites" },
    spec: {
      network: "wan",
      role: "spoke",
      nodeNames: ["site-*"],
      tunnelAddressPrefixes: ["10.200.1.0/24"],
      subnetPrefixes: [{ prefix: "192.168.0.0/16", minLength: 24, maxLength: 24 }],
      hubs: ["hub-a", "hub-b"],
      approval: "auto",
    },
  },
];

const link = (
  iface: string,
  remote: string,
  priority: number | undefined,
  state: "up" | "down",
  rttMs: number | null,
  loss: number,
): LinkReport => ({
  interface: iface,
  remote,
  ...(priority !== undefined ? { priority } : {}),
  state,
  rttMs,
  loss,
  probesSent: 600,
  probesLost: Math.round(600 * loss),
  since: state === "down" ? "2026-12-01T10:00:00Z" : null,
});

/** What each spoke's failover reports: site-2 lost its primary and runs on hub-b (lossy). */
const FAILOVER: Record<string, FailoverReport> = {
  "site-1": {
    links: [link("hw_wan_hub-a", "hub-a", 0, "up", 12.4, 0), link("hw_wan_hub-b", "hub-b", 1, "up", 84, 0)],
    activeHub: "hub-a",
    failovers: 0,
  },
  "site-2": {
    links: [
      link("hw_wan_hub-a", "hub-a", 0, "down", null, 1),
      link("hw_wan_hub-b", "hub-b", 1, "up", 95, 0.1),
    ],
    activeHub: "hub-b",
    failovers: 1,
  },
  "site-3": {
    links: [link("hw_wan_hub-a", "hub-a", 0, "up", 15, 0), link("hw_wan_hub-b", "hub-b", 1, "up", 90, 0)],
    activeHub: "hub-a",
    failovers: 0,
  },
  "hub-a": { links: [link("hw_wan_hub-b", "hub-b", undefined, "up", 31, 0)], activeHub: null },
  "hub-b": { links: [link("hw_wan_hub-a", "hub-a", undefined, "up", 31, 0)], activeHub: null },
};

/** Bytes each peer's counters grow by per report round: 125,000 B in 4 s is 250 kbit/s per peer. */
const BYTES_PER_ROUND = 125_000;

/** Every peer of `agent`'s desired state with a recent handshake (site-2 reaches hub-a once `recovered`). */
function peersOf(agent: TestAgent, round: number, recovered: boolean): Record<string, PeerCounters> {
  const out: Record<string, PeerCounters> = {};
  for (const i of agent.desired!.interfaces)
    for (const p of i.peers) {
      const dead = !recovered && [agent.node.name, p.name].sort().join() === "hub-a,site-2";
      out[p.name] = {
        handshakeAgo: dead ? null : 20,
        rxBytes: 1_000_000 + round * BYTES_PER_ROUND,
        txBytes: 500_000 + round * (BYTES_PER_ROUND / 5),
      };
    }
  return out;
}

describeWith(["chromium"], "web UI shows failover: active hub, link health, spokes per hub", () => {
  let lab: UiLab;
  let page: Page;
  const agents = new Map<string, TestAgent>();
  let timer: NodeJS.Timeout | undefined;
  const errors: string[] = [];
  let round = 0;
  let recovered = false;
  /** One round of reports: hubs first, so a spoke's claim finds its hub's handshake. */
  const reportAll = async () => {
    round++;
    for (const group of [HUBS, SPOKES])
      await Promise.all(
        group.map((n) =>
          agents
            .get(n)!
            .report(peersOf(agents.get(n)!, round, recovered), FAILOVER[n])
            .catch((e: Error) => {
              errors.push(`${n}: ${e.message}`);
            }),
        ),
      );
  };

  beforeAll(async () => {
    lab = await startUiLab();
    // The spokes' policy names the hubs, so it comes once they have joined.
    await lab.apply(INTENT.slice(0, 2));
    const hubToken = await createJoinToken(lab, "dcs", 2);
    for (const [i, h] of HUBS.entries())
      agents.set(h, new TestAgent(await enrollNode(hubToken, h, { endpoint: `203.0.113.${i + 1}:51820` })));
    await lab.apply(INTENT.slice(2));
    const siteToken = await createJoinToken(lab, "sites", 3);
    for (const [i, s] of SPOKES.entries())
      agents.set(s, new TestAgent(await enrollNode(siteToken, s, { subnets: [`192.168.${i + 1}.0/24`] })));
    for (const a of agents.values()) await a.fetchConfig();
    await reportAll();
    timer = setInterval(() => void reportAll(), 4_000);
    page = await lab.newPage();
    await login(page, lab.url, "admin", ADMIN_PASSWORD);
  }, 180_000);
  afterAll(async () => {
    clearInterval(timer);
    for (const a of agents.values()) a.close();
    await lab?.close();
  });

  it("the API attached site-2 to hub-b: hubs carry 2 and 1 spokes", async () => {
    await expect
      .poll(
        async () =>
          (await lab.api("GET", "/api/v1/node-status?network=wan"))
            .json<{ items: Array<{ node: string; attachedSpokes: number | null }> }>()
            .items.filter((s) => s.node.startsWith("hub-"))
            .map((s) => `${s.node}=${s.attachedSpokes}`),
        { timeout: 20_000 },
      )
      .toEqual(["hub-a=2", "hub-b=1"]);
  });

  it("the node page shows the active hub and each uplink's state, round trip, loss and since", async () => {
    await page.goto(`${lab.url}/nodes/site-2`);
    await settle(page);
    await expect.poll(() => page.getByTestId("active-hub").innerText()).toBe("hub-b");
    const row = (hub: string) => page.locator("[data-testid=hub-links] tr", { hasText: hub }).innerText();
    const a = await row("hub-a");
    expect(a).toMatch(/hub-a\s+1\s+hw_wan_hub-a\s+Down\s+—\s+100%\s+600 lost of 600/);
    expect(a).toContain("Dec 1, 2026");
    const b = await row("hub-b");
    expect(b).toMatch(
      /hub-b\s+active\s+2\s+hw_wan_hub-b\s+Degraded\s+95 ms\s+10%\s+60 lost of 600\s+Agent start/,
    );
    expect(await page.locator("main").innerText()).toMatch(/Route moves \(failover\)\s+1/);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${lab.url}/nodes/site-1`);
    await settle(page);
    await expect.poll(() => page.getByTestId("active-hub").innerText()).toBe("hub-a");
    expect(await row("hub-a")).toMatch(/hub-a\s+active\s+1\s+hw_wan_hub-a\s+Healthy\s+12 ms\s+0%/);

    await page.goto(`${lab.url}/nodes/hub-b`);
    await settle(page);
    await expect.poll(() => page.getByTestId("attached-spokes").innerText()).toBe("1");
    expect(await row("hub-a")).toMatch(/hub-a\s+—\s+hw_wan_hub-a\s+Healthy\s+31 ms/);
  }, 120_000);

  it("the topology draws the active uplink bold, backups dashed, colored by health, and hubs' spoke counts", async () => {
    await page.goto(`${lab.url}/topology`);
    await settle(page);
    const graph = page.getByTestId("topology-graph");
    // 6 uplinks + 1 hub link; down: site-2–hub-a; degraded: site-2–hub-b.
    await expect
      .poll(() => graph.getAttribute("aria-label"))
      .toBe("5 nodes, 7 links (5 healthy, 1 degraded, 1 down)");
    const drawn = await graph.evaluate((el) => {
      type El = { id(): string; data(k: string): string; style(k: string): string };
      const cy = (el as HTMLElement & { cy: { edges(): El[]; nodes(): El[] } }).cy;
      return {
        edges: Object.fromEntries(
          cy
            .edges()
            .map((e) => [e.id(), `${e.style("line-style")} ${e.style("width")} ${e.style("line-color")}`]),
        ),
        labels: Object.fromEntries(cy.nodes().map((n) => [n.id(), n.data("label")])),
      };
    });
    const green = "rgb(56,158,13)";
    expect(drawn.edges).toEqual({
      "site-1--hub-a": `solid 3.5px ${green}`,
      "site-1--hub-b": `dashed 1.5px ${green}`,
      "site-2--hub-a": "dashed 1.5px rgb(207,19,34)",
      "site-2--hub-b": "solid 3.5px rgb(212,107,8)",
      "site-3--hub-a": `solid 3.5px ${green}`,
      "site-3--hub-b": `dashed 1.5px ${green}`,
      "hub-a--hub-b": `dotted 2.5px ${green}`,
    });
    expect(drawn.labels["hub-a"]).toBe("hub-a\ncarries 2 spokes");
    expect(drawn.labels["hub-b"]).toBe("hub-b\ncarries 1 spoke");
    await page.getByText("Links as a list").click();
    const listed = await page.locator(".ant-collapse tr", { hasText: "site-2" }).allInnerTexts();
    expect(listed.map((r) => r.replace(/\s+/g, " ").trim())).toEqual([
      "site-2 hub-a Backup (1) Down — 100%",
      "site-2 hub-b Active (2) Degraded 95 ms 10%",
    ]);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);

  it("the nodes page and node page follow new reports without a reload, with rates in bit/s", async () => {
    await page.goto(`${lab.url}/nodes?`);
    await settle(page);
    const row = () => page.locator("[data-testid=nodes-table] tr", { hasText: "site-2" }).innerText();
    expect(await row()).toContain("hub-b");
    // A rate needs two reports of the same node: it appears after the next one, without a reload.
    await expect.poll(row, { timeout: 20_000 }).toMatch(/↓ \d+(\.\d)? kbit\/s ↑ \d+(\.\d)? kbit\/s/);

    await page.goto(`${lab.url}/nodes/site-2`);
    await settle(page);
    expect(await page.getByTestId("active-hub").innerText()).toBe("hub-b");
    await expect
      .poll(() => page.getByTestId("node-rate").innerText(), { timeout: 20_000 })
      .toMatch(/^↓ \d+ kbit\/s ↑ \d+(\.\d)? kbit\/s$/);
    // site-2's primary comes back: its agent moves to hub-a and reports so; the page follows.
    FAILOVER["site-2"] = {
      links: [link("hw_wan_hub-a", "hub-a", 0, "up", 14, 0), link("hw_wan_hub-b", "hub-b", 1, "up", 90, 0)],
      activeHub: "hub-a",
      failovers: 2,
    };
    recovered = true;
    await expect.poll(() => page.getByTestId("active-hub").innerText(), { timeout: 20_000 }).toBe("hub-a");
    await expect
      .poll(() => page.locator("[data-testid=hub-links] tr", { hasText: "hub-a" }).innerText())
      .toMatch(/hub-a\s+active\s+1\s+hw_wan_hub-a\s+Healthy\s+14 ms/);
    expect(await page.locator("main").innerText()).toMatch(/Route moves \(failover\)\s+2/);

    // The topology redraws nothing but follows: site-2's bold uplink is now hub-a's.
    await page.goto(`${lab.url}/topology`);
    await settle(page);
    const graph = page.getByTestId("topology-graph");
    await expect
      .poll(() => graph.getAttribute("aria-label"), { timeout: 20_000 })
      .toBe("5 nodes, 7 links (7 healthy, 0 degraded, 0 down)");
    const use = () =>
      graph.evaluate((el) => {
        const cy = (el as HTMLElement & { cy: { getElementById(id: string): { data(k: string): string } } })
          .cy;
        return cy.getElementById("site-2--hub-a").data("use");
      });
    await expect.poll(use, { timeout: 20_000 }).toBe("active");
    expect(errors).toEqual([]);
  }, 120_000);
});
