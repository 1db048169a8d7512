/**
 * The controller's /metrics output as Prometheus itself judges it: `promtool check metrics`
 * (Debian package `prometheus`) must accept it — first that it parses at all, then its lint.
 * Skipped loudly without promtool; under CI, where .ci/run installs it, missing it fails.
 */
import { execFile } from "node:child_process";
import { expect, it } from "vitest";
import type { DesiredState } from "../../model/index.js";
import { describeWith } from "../../testing/prerequisites.js";
import { openDatabase } from "../db/open.js";
import { nodeCredential, sampleReport } from "../testing/agents.js";
import { controllers, corpController, meshYaml, NO_CREDENTIALS } from "../testing/api-harness.js";
import { expectOk } from "../testing/expect-api.js";
import { scratchDir } from "../testing/scratch-dir.js";

/** promtool's exit status and output for `text` on stdin (1: does not parse, 3: lint problems). */
function promtoolCheckMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile("promtool", ["check", "metrics"], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      if (code === -1) reject(error);
      else resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(text);
  });
}

const dirs = await scratchDir("hubwire-metrics-");

describeWith(["promtool"], "controller /metrics under promtool", () => {
  const make = controllers(async () => {
    const dataDir = dirs.next();
    return () => openDatabase({ dataDir });
  });

  /** /metrics after real traffic: every metric family has samples, including error statuses. */
  async function scrape(): Promise<string> {
    const c = await corpController(make);
    expectOk(await c.call(c.tokens.operator.credential, "POST", "/api/v1/apply", { body: meshYaml() }));
    await c.call(NO_CREDENTIALS, "POST", "/api/v1/login", {
      body: { name: "admin", password: "wrong password" },
    });
    await c.call(c.tokens.viewer.credential, "GET", "/api/v1/nodes/nope");
    await c.call(NO_CREDENTIALS, "GET", "/nothing-here");
    // An agent that fetched its config and reports it applied, with traffic to its hub.
    const agent = await nodeCredential(c.db, "site-a");
    const state = (await c.call(agent, "GET", "/agent/v1/config")).json() as DesiredState;
    const hub = state.interfaces[0]!.peers[0]!;
    const handshake = Math.floor(Date.now() / 1000) - 42;
    const report = sampleReport(state.revision, [
      { publicKey: hub.publicKey, rx: 1234, tx: 5678, handshake },
    ]);
    expectOk(await c.call(agent, "POST", "/agent/v1/status", { body: report }), 204);
    const r = await c.call(NO_CREDENTIALS, "GET", "/metrics");
    expectOk(r);
    expect(r.body).toMatch(/^hubwire_config_revision 2$/m);
    expect(r.body).toContain('hubwire_nodes{network="lab",role="spoke"} 4');
    expect(r.body).toContain('hubwire_node_online{node="site-a",network="lab",role="spoke"} 1');
    expect(r.body).toContain('hubwire_node_online{node="site-b",network="lab",role="spoke"} 0');
    expect(r.body).toContain('hubwire_nodes_by_state{role="spoke",state="online"} 1');
    const peer = `node="site-a",interface="hw_corp",peer="${hub.name}"`;
    expect(r.body).toContain(`hubwire_peer_receive_bytes_total{${peer}} 1234`);
    expect(r.body).toContain(`hubwire_peer_transmit_bytes_total{${peer}} 5678`);
    expect(r.body).toMatch(new RegExp(`^hubwire_peer_handshake_age_seconds\\{${peer}\\} 4[2-9]`, "m"));
    expect(r.body).toMatch(/^hubwire_config_propagation_seconds_count 1$/m);
    return r.body;
  }

  it("parses as the Prometheus text format", async () => {
    const { code, output } = await promtoolCheckMetrics(await scrape());
    // 0: clean; 3: parsed, with lint findings (the next test's business). 1 would be a parse error.
    expect([0, 3], output).toContain(code);
  });

  it("passes promtool's lint", async () => {
    const { code, output } = await promtoolCheckMetrics(await scrape());
    expect(output).toBe("");
    expect(code).toBe(0);
  });

  it("fails promtool on broken input (the check has teeth)", async () => {
    const { code } = await promtoolCheckMetrics("# TYPE x counter\nx{a=} 1\n");
    expect(code).toBe(1);
  });
});
