/**
 * The hub firewall's nft step alone (issue 12): a hub's table for BENCH_FW_SPOKES spokes (1,000)
 * of the synthetic topology (`src/testing/topology.ts`), changed by one spoke joining, applied
 * either by loading the whole table (`nft -f` of the stamped script, as before) or by the
 * set-element update, timed as the `nft` process the agent ran for it, and the same update sent
 * to a long-lived `nft -i` session as the agent now does (`apply/nft-session.ts`), in a network
 * namespace, alternating (whole there and back, update there and back, session there and back)
 * for BENCH_FW_ROUNDS rounds (15). Also times the element diff itself. Needs root and nft; prints a
 * SKIP line otherwise. Command: `node dist/bench/firewall-update-bench.js`.
 */
import { performance } from "node:perf_hooks";
import {
  firewallHash,
  setElementChanges,
  setUpdateLine,
  setUpdateScript,
  stampFirewallScript,
} from "../agent/apply/firewall.js";
import { NftSession } from "../agent/apply/nft-session.js";
import { localRunner } from "../agent/exec.js";
import { compile } from "../compile/index.js";
import { buildIntent } from "../testing/topology.js";
import { createBenchHost } from "./netns-host.js";
import { median } from "./rounds.js";

const SPOKES = Number(process.env.BENCH_FW_SPOKES ?? 1000);
const ROUNDS = Number(process.env.BENCH_FW_ROUNDS ?? 15);

function hubScript(spokes: number): string {
  const result = compile(buildIntent({ spokes, hubs: 1 }).intent);
  if (!result.ok) throw new Error(`bench intent invalid: ${result.issues[0]?.message}`);
  const script = new Map(result.states).get("hub-0")?.firewall?.script;
  if (script === undefined) throw new Error("the bench hub has no firewall");
  return script;
}

async function main(): Promise<void> {
  const missing = process.getuid?.() !== 0 ? "root" : ["nft", "ip"].find((c) => !localRunner().has(c));
  if (missing) {
    process.stdout.write(`SKIP BENCH firewall-update: needs ${missing}\n`);
    return;
  }
  const before = hubScript(SPOKES);
  const after = hubScript(SPOKES + 1);
  const [hb, ha] = [firewallHash(before), firewallHash(after)];
  const diffTimes: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    setElementChanges(before, after);
    diffTimes.push(performance.now() - t);
  }
  const up = setElementChanges(before, after);
  const down = setElementChanges(after, before);
  if (up === undefined || down === undefined)
    throw new Error("one spoke joining changed more than set elements");
  const whole = {
    after: stampFirewallScript("hubwire", after, ha),
    before: stampFirewallScript("hubwire", before, hb),
  };
  const update = {
    after: setUpdateScript("hubwire", hb, ha, up),
    before: setUpdateScript("hubwire", ha, hb, down),
  };
  const line = {
    after: setUpdateLine("hubwire", hb, ha, up),
    before: setUpdateLine("hubwire", ha, hb, down),
  };
  const host = await createBenchHost(`hwfw${process.pid}`);
  try {
    const nft = async (input: string) => {
      const t = performance.now();
      await host.runner.run("nft", ["-f", "-"], { input });
      return performance.now() - t;
    };
    const session = new NftSession(host.runner);
    const viaSession = async (text: string) => {
      const t = performance.now();
      const { stderr } = await session.run(text);
      if (stderr !== "") throw new Error(`nft session refused the update: ${stderr}`);
      return performance.now() - t;
    };
    await nft(whole.before);
    await session.run("list ruleset inet"); // started before timing, as the agent's is warm
    const wholeTimes: number[] = [];
    const updateTimes: number[] = [];
    const sessionTimes: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      wholeTimes.push(await nft(whole.after), await nft(whole.before));
      updateTimes.push(await nft(update.after), await nft(update.before));
      sessionTimes.push(await viaSession(line.after), await viaSession(line.before));
    }
    session.stop();
    const [w, u, s] = [median(wholeTimes), median(updateTimes), median(sessionTimes)];
    process.stdout.write(
      `BENCH firewall-update spokes=${SPOKES} rounds=${ROUNDS}: whole table (${whole.after.length} B) median ${w.toFixed(1)} ms, ` +
        `set update (${update.after.length} B) median ${u.toFixed(1)} ms, ratio ${(w / u).toFixed(2)}; ` +
        `set update through the nft session median ${s.toFixed(1)} ms, ratio to nft -f ${(u / s).toFixed(1)}; ` +
        `element diff median ${median(diffTimes).toFixed(2)} ms (first ${diffTimes[0]!.toFixed(2)} ms)\n`,
    );
  } finally {
    await host.destroy();
  }
}

await main();
