/**
 * The shipped monitoring files as tests read them: the Grafana dashboard's panel queries, the
 * Prometheus alert rules' expressions, and the metric names both use. One reader for the
 * real-Prometheus test and the metric-name test, so both judge the same queries.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const REPO = join(import.meta.dirname, "../..");
export const DEPLOY = join(REPO, "deploy");
export const RULES_FILE = join(DEPLOY, "prometheus/rules.yml");
export const RULES_TEST_FILE = join(DEPLOY, "prometheus/rules.test.yml");
export const PROMETHEUS_CONFIG = join(DEPLOY, "prometheus/prometheus.yml");
export const DASHBOARD_FILE = join(DEPLOY, "grafana/dashboards/hubwire.json");
export const DATASOURCE_FILE = join(DEPLOY, "grafana/provisioning/datasources/prometheus.yaml");

/** A Grafana panel as the dashboard JSON has it (only what the tests read). */
export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { type: string; uid: string };
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly targets?: ReadonlyArray<{ refId: string; expr: string; datasource?: { uid: string } }>;
  readonly panels?: readonly Panel[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating: { list: readonly unknown[] };
}

/** One PromQL expression from the dashboard or the rules, with where it came from. */
export interface Query {
  /** `panel "Title" A` or `alert HubwireHubDown`. */
  readonly where: string;
  readonly expr: string;
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as Dashboard;
}

/** Every panel, rows' nested panels included, rows themselves left out. */
export function panelsOf(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => (p.type === "row" ? [...(p.panels ?? [])] : [p]));
}

export function dashboardQueries(d: Dashboard = loadDashboard()): Query[] {
  return panelsOf(d).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr })),
  );
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const doc = parse(readFileSync(RULES_FILE, "utf8")) as { groups: Array<{ rules: AlertRule[] }> };
  return doc.groups.flatMap((g) => g.rules);
}

export function ruleQueries(): Query[] {
  return alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }));
}

/**
 * The Grafana variables the dashboard may use, as Prometheus needs them spelled out. A query with
 * any other `$variable` is refused, so a new variable cannot slip past the tests unevaluated.
 */
export function concrete(expr: string, windows: { rateInterval: string; range: string }): string {
  const out = expr.replaceAll("$__rate_interval", windows.rateInterval).replaceAll("$__range", windows.range);
  const left = /\$\{?\w+/.exec(out);
  if (left) throw new Error(`${expr}: unknown Grafana variable ${left[0]}`);
  return out;
}

/** PromQL words that are not metric names: functions, aggregations, operators, modifiers. */
const PROMQL_WORDS = new Set([
  "sum",
  "max",
  "min",
  "avg",
  "count",
  "rate",
  "increase",
  "histogram_quantile",
  "by",
  "without",
  "and",
  "or",
  "unless",
  "on",
  "ignoring",
  "bool",
  "offset",
]);

/**
 * The metric names an expression selects. Strings, label matchers, grouping lists, range windows
 * and numbers are dropped first; every word left must be a PromQL keyword or a metric name, so a
 * misspelt function shows up as an unknown metric rather than being skipped.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, " ");
  const words = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(words.filter((w) => !PROMQL_WORDS.has(w)))].sort();
}

/**
 * The names a `/metrics` text offers to queries: every `# TYPE` family, and for histograms and
 * summaries their `_bucket`, `_sum` and `_count` series.
 */
export function exportedNames(metricsText: string): Set<string> {
  const names = new Set<string>();
  for (const m of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
    if (type === "summary") for (const s of ["_sum", "_count"]) names.add(name + s);
  }
  return names;
}

/** Series Prometheus adds to every scrape target itself; not the controller's to export. */
export const SCRAPE_SERIES = new Set(["up"]);
