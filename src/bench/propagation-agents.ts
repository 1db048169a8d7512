/**
 * The simulated agents of the propagation benchmark, in their own process (forked by
 * propagation-bench.ts): one real `ConfigClient` per node (each with its own keep-alive
 * connection, as separate agents would have), connected with bounded concurrency, then
 * long-polling forever. Messages to the parent: `{type: "ready"}` once every agent holds its
 * first state. Told `{type: "watch", nodes}` (node names; absent: every agent), it answers
 * `{type: "watching"}`, then `{type: "done", at: number[]}` once each of those agents got a
 * revision newer than what it had when told — `at` the wall-clock millisecond each did, in the
 * order of `nodes`. Told `{type: "report", count}`, the first `count` agents (default all) each send one
 * status report; then `{type: "reported", ms}`.
 *
 * argv: URL CREDENTIALS_JSON_FILE. No WireGuard.
 */
import { readFile } from "node:fs/promises";
import { ConfigClient } from "../agent/client/config-client.js";
import type { DesiredState } from "../model/index.js";

const [url, file] = process.argv.slice(2) as [string, string];
const creds = JSON.parse(await readFile(file, "utf8")) as Array<{ node: string; credential: string }>;
const CONNECT_CONCURRENCY = 200;

const clients = creds.map(
  (c) =>
    new ConfigClient({ urls: [url], credential: c.credential, waitSeconds: 60, backoff: { initialMs: 200 } }),
);
const first: DesiredState[] = new Array(creds.length);
const indexOf = new Map(creds.map((c, i) => [c.node, i]));
/** The agents being watched (index → position in the answer) and when each got its change. */
let watched = new Map<number, number>();
let changedAt: number[] = [];
let pending = 0;

let nextIndex = 0;
await Promise.all(
  Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (nextIndex < clients.length) {
      const i = nextIndex++;
      first[i] = (await clients[i]!.next(undefined))!;
    }
  }),
);
process.send!({ type: "ready" });

// On request, every agent sends one status report (as agents do every 5 s), concurrency bounded.
process.on("message", (m: { type: string; nodes?: string[]; count?: number }) => {
  if (m.type === "watch") {
    const nodes = m.nodes ?? creds.map((c) => c.node);
    watched = new Map(
      nodes.map((n, k) => {
        const i = indexOf.get(n);
        if (i === undefined) throw new Error(`watch: ${n} is not one of the simulated agents`);
        return [i, k];
      }),
    );
    changedAt = new Array(nodes.length).fill(0);
    pending = nodes.length;
    process.send!({ type: "watching" });
    return;
  }
  if (m.type !== "report") return;
  void (async () => {
    const started = Date.now();
    let k = 0;
    const count = Math.min(m.count ?? clients.length, clients.length);
    await Promise.all(
      Array.from({ length: CONNECT_CONCURRENCY }, async () => {
        while (k < count) {
          const i = k++;
          await clients[i]!.report({
            agentVersion: "bench",
            appliedRevision: first[i]!.revision,
            applyError: null,
            interfaces: [
              {
                name: "hw_wan_hub-0",
                up: true,
                listenPort: 51820,
                peers: [
                  {
                    publicKey: `bench${String(i).padStart(38, "0")}=`,
                    endpoint: "192.0.2.1:51820",
                    rxBytes: i,
                    txBytes: 2 * i,
                    latestHandshake: Math.floor(Date.now() / 1000),
                  },
                ],
              },
            ],
          });
        }
      }),
    );
    process.send!({ type: "reported", ms: Date.now() - started });
  })();
});

for (const [i, client] of clients.entries()) {
  void (async () => {
    let have = first[i]!;
    for (;;) {
      const state = await client.next(have);
      if (!state) continue;
      have = state;
      const k = watched.get(i);
      if (k !== undefined && changedAt[k] === 0) {
        changedAt[k] = Date.now();
        if (--pending === 0) process.send!({ type: "done", at: changedAt });
      }
    }
  })();
}
