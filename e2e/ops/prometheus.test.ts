/**
 * The shipped dashboard and alert rules against a real Prometheus: two controller replicas on one
 * PostgreSQL database with enrolled nodes that report (reporting-lab.ts), Prometheus scraping
 * both on loopback every second with deploy/prometheus/rules.yml loaded, and a third target of
 * the same job that answers nothing (a dead replica). After the first scrapes the intent changes and joins are refused, so rates and
 * propagation latencies have something to measure; then every panel query and every alert
 * expression goes through Prometheus' query API. A query Prometheus refuses fails the test, and
 * so does a panel without a single finite value or an alert whose expression does not select
 * what the reports set up for it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freeLoopbackPort } from "../../src/controller/testing/live-controller.js";
import { withPostgres } from "../../src/testing/postgres.js";
import { describeWith } from "../../src/testing/prerequisites.js";
import { alertRules, concrete, dashboardQueries, RULES_FILE } from "./deploy-files.js";
import { finite, type RunningPrometheus, startPrometheus } from "./prometheus.js";
import { type ReportingLab, startReportingLab } from "./reporting-lab.js";

/** Grafana's variables as the test evaluates them: windows that reach back to the test's start. */
const WINDOWS = { rateInterval: "2m", range: "5m" };

/**
 * What each alert's expression must select in this lab (label values of one series it must
 * include), or why it may be empty here.
 */
const ALERT_EXPECTS: Record<string, Record<string, string> | { empty: string }> = {
  HubwireNodeOffline: { node: "branch-nyc", role: "spoke" },
  HubwireHubDown: { node: "hub-sgp" },
  HubwireHubUnreachable: { remote: "hub-sgp" },
  HubwireStaleHandshake: { node: "edge-a", peer: "hub-sgp" },
  HubwireLinkLossHigh: { node: "edge-a", remote: "hub-sgp" },
  HubwireControllerReplicaDown: { job: "hubwire-controller" },
  HubwireEnrollmentRejectionsSpiking: { reason: "name-not-allowed" },
  HubwireConfigPropagationSlow: {
    empty: "the lab's agents apply at once; rules.test.yml has the slow case",
  },
};

const TITLE = "dashboard and alert rules against a real Prometheus";
const pg = await withPostgres(TITLE);

describeWith(["prometheus"], TITLE, () => {
  if (!pg) return;
  let dir: string;
  let lab: ReportingLab;
  let prometheus: RunningPrometheus;
  let reporting: NodeJS.Timeout | undefined;
  const reportErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hubwire-prom-"));
    lab = await startReportingLab(join(dir, "controller"), await pg!.freshDatabase());
    await lab.reportAll();
    await lab.refuseJoins(1); // the refused-joins series exists before the first scrape
    const api = new URL(lab.controller.apiUrl);
    const second = new URL(lab.replica!.apiUrl);
    const deadReplica = `127.0.0.1:${await freeLoopbackPort()}`;
    prometheus = await startPrometheus({
      dir: join(dir, "prometheus"),
      targets: [api.host, second.host, deadReplica],
      ruleFiles: [RULES_FILE],
    });
    // Agents report every 5 s; faster here, so the test is short. Reads are retried, writes not.
    reporting = setInterval(() => {
      lab.reportAll().catch((e: Error) => reportErrors.push(e.message));
    }, 1_000);
    // Two scrapes of the live replica before anything changes: rates need two samples.
    await prometheus.waitFor(
      `count_over_time(up{instance="${api.host}"}[1m])`,
      (s) => Number(s[0]?.value[1]) >= 2,
    );
    await lab.changeIntent();
    await lab.refuseJoins(12);
    // Until hub-lon reported the new revision (a propagation observed) and two more scrapes saw it.
    await prometheus.waitFor(
      "sum(increase(hubwire_config_propagation_seconds_count[1m]))",
      (s) => s.length > 0 && Number(s[0]!.value[1]) > 0,
    );
    await prometheus.waitFor(
      'sum(hubwire_enrollment_requests_total{result="refused"})',
      (s) => Number(s[0]?.value[1]) === 13,
    );
    const scrapes = await prometheus.query(`count_over_time(up{instance="${api.host}"}[1m])`);
    const seen = scrapes.ok ? Number(scrapes.samples[0]?.value[1]) : 0;
    await prometheus.waitFor(
      `count_over_time(up{instance="${api.host}"}[1m])`,
      (s) => Number(s[0]?.value[1]) >= seen + 2,
    );
  }, 120_000);

  afterAll(async () => {
    if (reporting) clearInterval(reporting);
    await prometheus?.stop();
    await lab?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps every reporting agent's reports accepted", () => {
    expect(reportErrors).toEqual([]);
  });

  it("answers every dashboard query, each with at least one finite value", async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const q of queries) {
      const answer = await prometheus.query(concrete(q.expr, WINDOWS));
      if (!answer.ok) problems.push(`${q.where}: refused: ${answer.error}`);
      else if (!answer.samples.some(finite))
        problems.push(`${q.where}: no data (${answer.samples.length} series, none finite): ${q.expr}`);
    }
    expect(problems).toEqual([]);
  });

  it("shows what the reports said in the probe, hub and spoke panels", async () => {
    const value = async (expr: string) => {
      const a = await prometheus.query(expr);
      if (!a.ok) throw new Error(a.error);
      return a.samples.map((s) => ({ ...s.metric, value: Number(s.value[1]) }));
    };
    expect(await value('max by (node, remote) (hubwire_link_probe_rtt_seconds{node="edge-a"})')).toEqual([
      { node: "edge-a", remote: "hub-fra", value: 0.012 },
    ]);
    expect(await value("avg by (remote) (max by (node, interface, remote) (hubwire_link_up))")).toEqual(
      expect.arrayContaining([
        { remote: "hub-fra", value: 1 },
        { remote: "hub-sgp", value: 0 },
      ]),
    );
    // Both edges fail over to hub-fra: its spoke count is theirs, once, though both replicas
    // export it (a sum over replicas would say 4: the panels take max over `instance`).
    expect(await value('max by (hub) (hubwire_hub_spokes{hub="hub-fra"})')).toEqual([
      { hub: "hub-fra", value: 2 },
    ]);
    expect(await value('sum by (hub) (hubwire_hub_spokes{hub="hub-fra"})')).toEqual([
      { hub: "hub-fra", value: 4 },
    ]);
    // The replicas agree on the revision (LISTEN/NOTIFY), and both are scraped.
    const revisions = await value('hubwire_config_revision{job="hubwire-controller"}');
    expect(revisions).toHaveLength(2);
    expect(new Set(revisions.map((r) => r.value)).size).toBe(1);
  });

  it("evaluates every alert expression, selecting what the lab set up for each", async () => {
    const rules = alertRules();
    expect(Object.keys(ALERT_EXPECTS).sort()).toEqual(rules.map((r) => r.alert).sort());
    const problems: string[] = [];
    for (const rule of rules) {
      const answer = await prometheus.query(rule.expr);
      const want = ALERT_EXPECTS[rule.alert]!;
      if (!answer.ok) problems.push(`${rule.alert}: refused: ${answer.error}`);
      else if ("empty" in want) {
        if (answer.samples.length > 0)
          problems.push(`${rule.alert}: expected nothing, got ${JSON.stringify(answer.samples)}`);
      } else if (!answer.samples.some((s) => Object.entries(want).every(([k, v]) => s.metric[k] === v)))
        problems.push(
          `${rule.alert}: nothing with ${JSON.stringify(want)}: ${JSON.stringify(answer.samples)}`,
        );
    }
    expect(problems).toEqual([]);
  });

  it("loads the rules and evaluates them without errors", async () => {
    type Rules = {
      groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }>;
    };
    const names = alertRules().map((r) => r.alert);
    const groups = await prometheus.api<Rules>("rules");
    const loaded = groups.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual([...names].sort());
    for (const r of loaded)
      expect({ rule: r.name, health: r.health, error: r.lastError ?? "" }).toEqual({
        rule: r.name,
        health: "ok",
        error: "",
      });
    // Alerts without `for` fire at their first evaluation: the refused-join burst does.
    type Alerts = { alerts: Array<{ labels: Record<string, string>; state: string }> };
    const alerts = await prometheus.api<Alerts>("alerts");
    expect(alerts.alerts).toContainEqual(
      expect.objectContaining({
        labels: expect.objectContaining({ alertname: "HubwireEnrollmentRejectionsSpiking" }),
        state: "firing",
      }),
    );
  });
});
