/**
 * The simulated agents of the propagation benchmark, in their own process (forked by
 * propagation-bench.ts): one real `ConfigClient` per node (each with its own keep-alive
 * connection, as separate agents would have), connected with bounded concurrency, then
 * long-polling forever. Messages to the parent: `{type: "ready"}` once every agent holds its
 * first state, `{type: "done", at: number[]}` once every agent got a revision different from its
 * first — `at` the wall-clock millisecond each did.
 *
 * argv: URL CREDENTIALS_JSON_FILE. No WireGuard, no status reports: only delivery is measured.
 */
import { readFile } from "node:fs/promises";
import { ConfigClient } from "../agent/client/config-client.js";

const [url, file] = process.argv.slice(2) as [string, string];
const creds = JSON.parse(await readFile(file, "utf8")) as Array<{ node: string; credential: string }>;
const CONNECT_CONCURRENCY = 200;

const clients = creds.map(
  (c) =>
    new ConfigClient({ urls: [url], credential: c.credential, waitSeconds: 60, backoff: { initialMs: 200 } }),
);
const first: string[] = new Array(creds.length);
const changedAt: number[] = new Array(creds.length).fill(0);
let changed = 0;

let nextIndex = 0;
await Promise.all(
  Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (nextIndex < clients.length) {
      const i = nextIndex++;
      first[i] = (await clients[i]!.next(undefined))!.revision;
    }
  }),
);
process.send!({ type: "ready" });

for (const [i, client] of clients.entries()) {
  void (async () => {
    let have = first[i]!;
    for (;;) {
      const state = await client.next(have);
      if (!state) continue;
      have = state.revision;
      if (changedAt[i] === 0) {
        changedAt[i] = Date.now();
        if (++changed === clients.length) process.send!({ type: "done", at: changedAt });
      }
    }
  })();
}
