/**
 * The dashboard and the alert rules ask only for metrics the controller exports: every metric
 * name in a panel query or an alert expression is compared with a running controller's
 * `/metrics` (its `# TYPE` families, histograms' `_bucket`/`_sum`/`_count`), with `up` the only
 * series allowed from elsewhere (Prometheus adds it to every target). And the dashboard is well
 * formed for Grafana's provisioning: unique panel ids, every panel on the provisioned data source,
 * positions inside the 24-column grid.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type LiveController, liveController } from "../../src/controller/testing/live-controller.js";
import {
  DATASOURCE_FILE,
  dashboardQueries,
  exportedNames,
  loadDashboard,
  metricNames,
  panelsOf,
  ruleQueries,
  SCRAPE_SERIES,
} from "./deploy-files.js";

describe("dashboard and rules use only exported metrics", () => {
  let dir: string;
  let controller: LiveController;
  let exported: Set<string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hubwire-names-"));
    controller = await liveController(join(dir, "data"));
    const r = await fetch(`${controller.apiUrl}/metrics`);
    expect(r.status).toBe(200);
    exported = exportedNames(await r.text());
  });

  afterAll(async () => {
    await controller?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads metric names out of PromQL, and not function names or labels", () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(hubwire_http_request_duration_seconds_bucket{job="x",status=~"5.."}[5m]))) > 1',
      ),
    ).toEqual(["hubwire_http_request_duration_seconds_bucket"]);
    expect(metricNames("max by (node) (hubwire_a) / ignoring (x) hubwire_b or vector_typo(1)")).toEqual([
      "hubwire_a",
      "hubwire_b",
      "vector_typo",
    ]);
  });

  it("finds every dashboard and rule metric in /metrics", () => {
    const queries = [...dashboardQueries(), ...ruleQueries()];
    const used = new Map<string, string[]>();
    for (const q of queries)
      for (const name of metricNames(q.expr)) used.set(name, [...(used.get(name) ?? []), q.where]);
    // The families the issue asks the dashboard to show are really in use.
    for (const name of [
      "hubwire_node_online",
      "hubwire_nodes_by_state",
      "hubwire_hub_spokes",
      "hubwire_peer_receive_bytes_total",
      "hubwire_peer_transmit_bytes_total",
      "hubwire_peer_handshake_age_seconds",
      "hubwire_link_up",
      "hubwire_link_probe_rtt_seconds",
      "hubwire_link_probe_loss_ratio",
      "hubwire_link_probes_sent_total",
      "hubwire_link_probes_lost_total",
      "hubwire_failovers_total",
      "hubwire_enrollment_requests_total",
      "hubwire_enrollments",
      "hubwire_config_revision",
      "hubwire_config_propagation_seconds_bucket",
      "hubwire_http_requests_total",
      "hubwire_http_request_duration_seconds_bucket",
    ])
      expect(used.has(name), name).toBe(true);
    const unknown = [...used].filter(([name]) => !exported.has(name) && !SCRAPE_SERIES.has(name));
    expect(unknown.map(([name, where]) => `${name} (${where.join(", ")})`)).toEqual([]);
  });

  it("is a dashboard Grafana can provision: unique ids, the provisioned data source, inside the grid", () => {
    const d = loadDashboard();
    const { datasources } = parse(readFileSync(DATASOURCE_FILE, "utf8")) as {
      datasources: Array<{ uid: string }>;
    };
    const uid = datasources[0]!.uid;
    const ids = d.panels.flatMap((p) => [p.id, ...(p.panels ?? []).map((c) => c.id)]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(d.templating.list).toEqual([]);
    for (const p of panelsOf(d)) {
      expect(p.datasource?.uid, p.title).toBe(uid);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid ?? uid, p.title).toBe(uid);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w * p.gridPos.h, p.title).toBeGreaterThan(0);
    }
  });
});
