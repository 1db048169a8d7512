/**
 * `npm run bench` (f), failover: runs the failover rounds on the real multi-hub fabric in
 * network namespaces (`e2e/dataplane/failover.rounds.ts`, through vitest, which builds the
 * fabric) and prints their `BENCH failover` lines. Needs root and wireguard-go; prints a SKIP
 * line otherwise. Env: BENCH_ROUNDS (5).
 */
import { runRounds } from "./netns-rounds.js";

runRounds("e2e/dataplane/rounds.config.ts", "BENCH failover", ["wireguard-go", "wg", "ip", "ping"]);
