/**
 * `npm run bench` (g), add one node: at N = 1,000 existing spokes, from the API request that
 * creates a node until the real hub's WireGuard (wireguard-go in a network namespace) has the
 * peer, median of 20 (`e2e/dataplane/add-node.rounds.ts`). Needs root and wireguard-go; prints a
 * SKIP line otherwise. Env: BENCH_ADD_EXISTING (1000), BENCH_ADD_ROUNDS (20).
 */
import { runRounds } from "./netns-rounds.js";

runRounds("e2e/dataplane/add-node.config.ts", "BENCH add-node", ["wireguard-go", "wg", "ip", "nft"]);
